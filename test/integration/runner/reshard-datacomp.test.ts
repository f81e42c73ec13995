import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {iterateDataCompSamples, iterateShardSamples} from '../../../src/benchmarks/datacomp/pool-shards.js'
import {reshard} from '../../../src/runner/reshard/index.js'
import {runBench} from '../../helpers/cli.js'
import {useTempDir} from '../../helpers/tmp.js'
import {makeDataCompPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'

const tempDir = useTempDir('dcbench-reshard-')
let pool: string
let poolMembers: Map<string, Record<string, Buffer>>
let counts: Map<string, number>
let subsetFile: string
let fixtureRoot: string

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')

beforeAll(async () => {
  const {mkdtempSync} = await import('node:fs')
  const {tmpdir} = await import('node:os')
  fixtureRoot = mkdtempSync(join(tmpdir(), 'dcbench-reshard-fixture-'))
  pool = join(fixtureRoot, 'pool')
  // a downloaded pool: its stats record lost downloads, so subset uids it lacks are a warning, as in the resharder
  const {uids} = await makeDataCompPool(pool, {shards: 2, perShard: 90, downloadFailures: 3})
  poolMembers = new Map()
  for await (const s of iterateDataCompSamples(pool)) poolMembers.set(s.uid, s.members)
  // every other pool sample, some of them 2 or 3 times, plus two uids the pool does not have
  counts = new Map()
  uids.forEach((uid, i) => {
    if (i % 2 === 0) counts.set(uid, i % 10 === 0 ? 3 : i % 6 === 0 ? 2 : 1)
  })
  counts.set('f'.repeat(32), 1)
  counts.set('0123456789abcdef0123456789abcdef', 2)
  subsetFile = join(fixtureRoot, 'subset.npy')
  await writeSubsetNpy(subsetFile, counts)
  return async () => {
    const {rm} = await import('node:fs/promises')
    await rm(fixtureRoot, {recursive: true, force: true})
  }
}, 120_000)

async function outputSamples(dir: string): Promise<{key: string; members: Record<string, Buffer>}[]> {
  const out = []
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.tar')).sort()) for await (const s of iterateShardSamples(join(dir, name))) out.push(s)
  return out
}

describe('bench reshard --benchmark datacomp', () => {
  it('writes exactly the subset, each uid as many times as it is listed, in the resharder layout', async () => {
    const out = join(tempDir(), 'data')
    const result = await reshard({benchmark: 'datacomp', subsetFile, poolDir: pool, outDir: out, shardSize: 40})
    const present = [...counts].filter(([uid]) => poolMembers.has(uid))
    const expected = present.reduce((sum, [, n]) => sum + n, 0)
    expect(result.output_count).toBe(expected)
    expect(result.missing).toBe(3)
    expect(result.subset_size).toBe(expected + 3)
    expect(result.scale).toBe('tiny')

    const samples = await outputSamples(out)
    expect(samples).toHaveLength(expected)
    const seen = new Map<string, number[]>()
    for (const s of samples) {
      const match = /^([0-9a-f]{32})-(\d+)$/.exec(s.key)
      expect(match, s.key).not.toBeNull()
      const [, uid, j] = match as RegExpExecArray
      seen.set(uid as string, [...(seen.get(uid as string) ?? []), Number(j)])
      expect(s.members).toEqual(poolMembers.get(uid as string))
    }
    for (const [uid, n] of present) expect(seen.get(uid), uid).toEqual(Array.from({length: n}, (_, j) => j))

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))
    expect(manifest.shards.map((s: {samples: number}) => s.samples)).toEqual(Array.from({length: Math.ceil(expected / 40)}, (_, i) => Math.min(40, expected - 40 * i)))
    for (const shard of manifest.shards) {
      expect(sha(join(out, shard.name))).toBe(shard.sha256)
      expect(JSON.parse(readFileSync(join(out, shard.name.replace('.tar', '_stats.json')), 'utf8'))).toEqual({successes: shard.samples})
    }
    expect(readFileSync(join(out, 'sample_ids.npy'))).toEqual(readFileSync(subsetFile))
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'))
    expect(meta).toMatchObject({processed_count: 180, output_count: expected, output_shard_count: manifest.shards.length, output_shard_format: '{:08d}.tar'})
    expect(existsSync(join(out, '.reshard-state.json'))).toBe(false)

    // the same command again: nothing to do
    const again = await reshard({benchmark: 'datacomp', subsetFile, poolDir: pool, outDir: out, shardSize: 40})
    expect(again.already_complete).toBe(true)
  }, 60_000)

  it('resumes an interrupted run after its last complete shard, with the same bytes as an uninterrupted run', async () => {
    const whole = join(tempDir(), 'whole')
    await reshard({benchmark: 'datacomp', subsetFile, poolDir: pool, outDir: whole, shardSize: 25})
    const out = join(tempDir(), 'data')
    let closed = 0
    const crash = reshard({
      benchmark: 'datacomp', subsetFile, poolDir: pool, outDir: out, shardSize: 25,
      onProgress: (e) => {
        // stop mid-way, after the third shard, like a killed process would
        if (e.detail?.endsWith(' 3 shards')) throw new Error(`crash after ${++closed} shards`)
      },
    })
    await expect(crash).rejects.toThrow(/crash/)
    expect(existsSync(join(out, 'manifest.json'))).toBe(false)
    expect(readdirSync(out).filter((n) => n.endsWith('.tar'))).toEqual(['00000000.tar', '00000001.tar', '00000002.tar'])
    const resumed = await reshard({benchmark: 'datacomp', subsetFile, poolDir: pool, outDir: out, shardSize: 25})
    expect(resumed.resumed_shards).toBe(3)
    const a = JSON.parse(readFileSync(join(whole, 'manifest.json'), 'utf8'))
    const b = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))
    expect(b.shards).toEqual(a.shards)
    expect(b.output_count).toBe(a.output_count)
  }, 60_000)

  it('refuses a non-empty output folder and a folder holding another subset, with one-line errors', async () => {
    const out = tempDir()
    const {writeFileSync} = await import('node:fs')
    writeFileSync(join(out, 'notes.txt'), 'mine')
    await expect(reshard({benchmark: 'datacomp', subsetFile, poolDir: pool, outDir: out})).rejects.toMatchObject({code: 'DCB_RESHARD_OUT'})
    const done = join(tempDir(), 'data')
    await reshard({benchmark: 'datacomp', subsetFile, poolDir: pool, outDir: done, shardSize: 1000})
    const other = join(tempDir(), 'other.npy')
    await writeSubsetNpy(other, new Map([...counts].slice(0, 5)))
    await expect(reshard({benchmark: 'datacomp', subsetFile: other, poolDir: pool, outDir: done})).rejects.toThrow(/another subset/)
  }, 60_000)

  it('runs from the CLI: --json result, exit 2 and one line for a missing pool', async () => {
    const out = join(tempDir(), 'data')
    const ok = await runBench(['reshard', '--benchmark', 'datacomp', '--subset', subsetFile, '--pool', pool, '--out', out, '--json'])
    expect(ok.exitCode, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({benchmark: 'datacomp', shards: 1, missing: 3})
    const bad = await runBench(['reshard', '--benchmark', 'datacomp', '--subset', subsetFile, '--pool', join(out, 'nope'), '--out', join(tempDir(), 'x')])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr.trim().split('\n')[0]).toBe(`error [DCB_PATH]: --pool ${join(out, 'nope')}: no such folder (expected the pool folder)`)
  }, 60_000)
})
