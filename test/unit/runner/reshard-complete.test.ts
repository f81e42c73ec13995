import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {completeReshard, reshard, type ReshardOptions} from '../../../src/runner/reshard/index.js'
import {mergeReshardShards, reshardShard} from '../../../src/runner/reshard/shards.js'
import {makeDataCompPool, makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * `completeReshard` (what `bench reshard --executor slurm` asks before submitting) is the local
 * resharder's own check: on a finished folder it reports exactly what a local reshard of it reports (a
 * no-op), on anything else it is undefined and writes nothing, and it refuses another subset's folder
 * as the local reshard does. Real pools, real reshards: no stubs.
 */

const tempDir = useTempDir('dcbench-reshard-complete-')
let root: string

/** `seconds` differs between two runs; everything else is the result. */
const facts = ({seconds: _seconds, ...rest}: {seconds: number}): Record<string, unknown> => rest

const runs: Record<string, {options: (outDir: string) => ReshardOptions; otherSubset: string}> = {}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-reshard-complete-pools-'))
  const clipPool = join(root, 'clip-pool')
  const {uids} = await makeDataCompPool(clipPool, {shards: 2, perShard: 30})
  const clipSubset = join(root, 'clip.npy')
  await writeSubsetNpy(clipSubset, new Map(uids.filter((_, i) => i % 2 === 0).map((uid) => [uid, 1])))
  const clipOther = join(root, 'clip-other.npy')
  await writeSubsetNpy(clipOther, new Map(uids.slice(0, 3).map((uid) => [uid, 1])))
  runs.datacomp = {options: (outDir) => ({benchmark: 'datacomp', subsetFile: clipSubset, poolDir: clipPool, outDir, shardSize: 10}), otherSubset: clipOther}
  const lmPool = join(root, 'lm-pool')
  const {ids} = await makeDclmPool(lmPool, 3000)
  const lmSubset = join(root, 'lm.npy')
  await writeSubsetNpy(lmSubset, new Map(ids.filter((_, i) => i % 2 === 0).map((id) => [id, 1])))
  const lmOther = join(root, 'lm-other.npy')
  await writeSubsetNpy(lmOther, new Map(ids.slice(0, 3).map((id) => [id, 1])))
  runs.dclm = {options: (outDir) => ({benchmark: 'dclm', scale: 'tiny', subsetFile: lmSubset, poolDir: lmPool, outDir, shardSize: 4}), otherSubset: lmOther}
}, 120_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

describe('completeReshard (the check bench reshard --executor slurm makes before submitting)', () => {
  it.each(['datacomp', 'dclm'])('%s: a finished folder is what a local reshard of it reports; no folder, an empty one or a foreign file is undefined', async (name) => {
    const run = runs[name]!
    const out = join(tempDir(), 'data')
    expect(await completeReshard(run.options(out))).toBeUndefined()
    expect(existsSync(out)).toBe(false)

    await reshard(run.options(out))
    const again = await reshard(run.options(out))
    expect(again.already_complete).toBe(true)
    const complete = await completeReshard(run.options(out))
    expect(complete && facts(complete)).toEqual(facts(again))

    const empty = tempDir()
    expect(await completeReshard(run.options(empty))).toBeUndefined()
    expect(readdirSync(empty)).toEqual([])
    // not finished, not this reshard: left to the reshard (or the SLURM plan) to refuse
    writeFileSync(join(empty, 'notes.txt'), 'mine')
    expect(await completeReshard(run.options(empty))).toBeUndefined()
  }, 60_000)

  it.each(['datacomp', 'dclm'])('%s: refuses a folder finished for another subset, in the local reshard\'s words', async (name) => {
    const run = runs[name]!
    const out = join(tempDir(), 'data')
    await reshard(run.options(out))
    const other = {...run.options(out), subsetFile: run.otherSubset}
    const local = await reshard(other).then(() => undefined, (error: Error) => error)
    expect(local).toMatchObject({code: 'DCB_RESHARD_OUT'})
    await expect(completeReshard(other)).rejects.toThrow(local!.message)
  }, 60_000)

  it('datacomp: a folder a sharded reshard finished (what the SLURM array writes) is complete too; one halfway is not', async () => {
    const run = runs.datacomp!
    const out = join(tempDir(), 'data')
    await reshardShard({...run.options(out), shard: {index: 1, count: 2}})
    expect(await completeReshard(run.options(out))).toBeUndefined()
    await reshardShard({...run.options(out), shard: {index: 2, count: 2}})
    await mergeReshardShards({...run.options(out), count: 2})
    expect((await completeReshard(run.options(out)))?.already_complete).toBe(true)
  }, 60_000)
})
