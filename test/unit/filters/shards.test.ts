import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DcbError} from '../../../src/errors.js'
import {applyFilter, applyFilterShard, filterShardRefusal, mergeFilterShards, type DataFilter, type PoolRecord} from '../../../src/filters/index.js'

/**
 * The sharded filter run (src/filters/shards.ts): parts of every shard merged give the local subset
 * byte for byte — keep decisions with repeats, scores with ties — and broken parts are refused.
 */

let root: string
let pool: string

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-filter-shards-'))
  pool = join(root, 'pool')
  mkdirSync(join(pool, 'documents'), {recursive: true})
  // three document files of different sizes; the same text twice (a repeated document id) across files
  for (const [f, n] of [[0, 40], [1, 7], [2, 25]] as const) {
    const lines = Array.from({length: n}, (_, i) => JSON.stringify({url: `https://example.org/${f}/${i}`, text: `document ${f}-${i} ${'word '.repeat(i % 5)}`}))
    if (f === 2) lines.push(JSON.stringify({url: 'https://example.org/0/3', text: `document 0-3 ${'word '.repeat(3)}`}))
    writeFileSync(join(pool, 'documents', `0000000${f}.jsonl`), `${lines.join('\n')}\n`)
  }
})

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

/** Keeps by the id's first digit, some twice. */
const keeper: DataFilter<PoolRecord> = {name: 'keeper', benchmarks: ['dclm'], decide: (r) => (r.uid < '4' ? {repeat: 2} : r.uid < 'a')}
/** Scores with many ties (16 values): the uid breaks them. */
const scorer: DataFilter<PoolRecord> = {name: 'scorer', benchmarks: ['dclm'], decide: (r) => parseInt(r.uid[1] as string, 16) / 16}

async function sharded(filter: DataFilter<PoolRecord>, out: string, count: number, size: {size?: number; fraction?: number}): Promise<Buffer> {
  for (let index = 1; index <= count; index++) await applyFilterShard({filter, benchmark: 'dclm', pool, out, ...size, shard: {index, count}, run: 'k'})
  const merged = await mergeFilterShards({benchmark: 'dclm', pool, out, count, run: 'k', ...size})
  expect(merged.merged_shards).toBe(count)
  return readFileSync(out)
}

describe('sharded filter runs', () => {
  it.each([
    ['keep decisions with repeats', keeper, {}],
    ['scores, --size', scorer, {size: 30}],
    ['scores, --fraction', scorer, {fraction: 0.25}],
  ] as const)('%s: 2 and 3 shards merge into the local subset', async (name, filter, size) => {
    const local = join(root, `${name}-local.npy`)
    const result = await applyFilter({filter, benchmark: 'dclm', pool, out: local, ...size})
    expect(result.poolRecords).toBe(73)
    for (const count of [2, 3]) expect((await sharded(filter, join(root, `${name}-${count}.npy`), count, size)).equals(readFileSync(local))).toBe(true)
  })

  it('refuses a part whose bytes changed, and a part of another run', async () => {
    const out = join(root, 'broken.npy')
    for (const index of [1, 2]) await applyFilterShard({filter: keeper, benchmark: 'dclm', pool, out, shard: {index, count: 2}, run: 'k'})
    const bin = join(`${out}.shards`, '2-of-2.bin')
    const bytes = readFileSync(bin)
    bytes[0] = (bytes[0] as number) ^ 1
    writeFileSync(bin, bytes)
    await expect(mergeFilterShards({benchmark: 'dclm', pool, out, count: 2, run: 'k'})).rejects.toThrow(/^shard 2\/2: .*2-of-2\.json states a sha256 that 2-of-2\.bin does not have/)
    writeFileSync(bin, bytes.subarray(0, 16))
    await expect(mergeFilterShards({benchmark: 'dclm', pool, out, count: 2, run: 'k'})).rejects.toThrow(/states a record count that gives \d+ bytes, but 2-of-2\.bin has 16/)
    await expect(mergeFilterShards({benchmark: 'dclm', pool, out, count: 2, run: 'other'})).rejects.toThrow(/^shard 1\/2: .*1-of-2\.json comes from a run with other filter options/)
  })
})

describe('filterShardRefusal', () => {
  const refusal = (spec: string, benchmark: string, options = {}): string | undefined => {
    const error = filterShardRefusal(spec, {benchmark, seed: 0, pool}, options)
    if (error) expect(error).toBeInstanceOf(DcbError)
    return error?.message
  }

  it('lets per-record filters shard and refuses those that need the whole pool, saying why', () => {
    for (const [spec, benchmark] of [['none', 'dclm'], ['random', 'datacomp'], ['heuristic', 'dclm'], ['basic', 'datacomp'], ['dclm-refinedweb', 'dclm'], ['image-based', 'datacomp']]) expect(refusal(spec as string, benchmark as string)).toBeUndefined()
    expect(refusal('clip-score', 'datacomp', {threshold: 0.3})).toBeUndefined()
    expect(refusal('heuristic', 'datacomp')).toMatch(/near-duplicates of images kept earlier/)
    expect(refusal('clip-score', 'datacomp', {fraction: 0.3})).toMatch(/--fraction sets the threshold from the whole pool/)
    expect(refusal('semdedup', 'datacomp')).toMatch(/clusters the whole pool/)
    expect(refusal('dclm-baseline', 'dclm')).toMatch(/bff dedup holds the n-grams of every earlier document/)
    expect(refusal('dclm-bff', 'dclm')).toMatch(/bloom filter holds the n-grams of every earlier document/)
  })
})
