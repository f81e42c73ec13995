import {describe, expect, it} from 'vitest'

import {allShards, parseShard, shardDir, shardTasks} from '../../../src/eval/shards.js'

describe('eval shards (bench eval --shard i/N)', () => {
  it('parses i/N and refuses anything else with one DCB_USAGE line', () => {
    expect(parseShard('2/4')).toEqual({index: 2, count: 4})
    for (const bad of ['0/4', '5/4', '2', '2/0', 'a/b', '1/1001', '-1/3']) expect(() => parseShard(bad), bad).toThrow(/--shard: .* is not a shard; expected i\/N/)
  })

  it('splits round-robin, every task in exactly one shard, order kept', () => {
    const keys = ['a', 'b', 'c', 'd', 'e']
    expect(shardTasks(keys, {index: 1, count: 2})).toEqual(['a', 'c', 'e'])
    expect(shardTasks(keys, {index: 2, count: 2})).toEqual(['b', 'd'])
    const parts = allShards('/o', keys, 3)
    expect(parts.flatMap((p) => p.tasks).sort()).toEqual(keys)
    expect(parts.map((p) => p.dir)).toEqual(['/o/eval-shards/1-of-3', '/o/eval-shards/2-of-3', '/o/eval-shards/3-of-3'])
    expect(shardDir('/o', {index: 1, count: 1})).toBe('/o/eval-shards/1-of-1')
  })

  it('refuses more shards than tasks (a shard of nothing is no eval)', () => {
    expect(() => shardTasks(['a', 'b'], {index: 1, count: 3})).toThrow(/has 2 task\(s\), fewer than 3 shards; use at most 2 shards/)
  })
})
