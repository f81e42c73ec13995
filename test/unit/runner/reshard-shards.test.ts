import {describe, expect, it} from 'vitest'

import {outputShardRange} from '../../../src/benchmarks/datacomp/reshard-shards.js'

/** The split of a sharded DataComp reshard's output shards over its tasks (src/benchmarks/datacomp/reshard-shards.ts). */
describe('outputShardRange', () => {
  it('covers every output shard exactly once, in order, as evenly as the count allows', () => {
    for (const shards of [0, 1, 2, 7, 10, 101]) {
      for (const count of [1, 2, 3, 8, 100]) {
        const ranges = Array.from({length: count}, (_, i) => outputShardRange(shards, {index: i + 1, count}))
        expect(ranges[0]?.from).toBe(0)
        expect(ranges.at(-1)?.to).toBe(shards)
        for (let i = 1; i < count; i++) expect(ranges[i]?.from).toBe(ranges[i - 1]?.to)
        const sizes = ranges.map((r) => r.to - r.from)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      }
    }
  })

  it('gives tasks beyond the output shards nothing to write', () => {
    expect(outputShardRange(2, {index: 1, count: 3})).toEqual({from: 0, to: 0})
    expect(outputShardRange(2, {index: 3, count: 3})).toEqual({from: 1, to: 2})
  })
})
