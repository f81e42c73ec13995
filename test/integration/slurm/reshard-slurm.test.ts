import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {repoRoot, runBench, runBenchJson} from '../../helpers/cli.js'
import {sha256Hex} from '../../../src/util/canonical-json.js'
import {makeDataCompPool, makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {slurmEnv, slurmSkipReason, startSlurmCluster} from '../../helpers/slurm-cluster.js'

/**
 * `bench reshard --executor slurm`: the same reshard as one job on a node of the real two-node cluster
 * (.ci/slurm-up.sh), byte-identical — every tar, every json — to a local reshard; a failed job is one
 * line; `--dry-run --json` prints the script.
 */

let root: string
let clipPool: string
let clipSubset: string
let lmPool: string
let lmSubset: string

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-slurm-reshard-'))
  clipPool = join(root, 'clip-pool')
  const {uids} = await makeDataCompPool(clipPool, {shards: 2, perShard: 150})
  clipSubset = join(root, 'clip-subset.npy')
  // every third sample, some twice: output shards cut mid-sample's copies
  await writeSubsetNpy(clipSubset, new Map(uids.filter((_, i) => i % 3 === 0).map((uid, i) => [uid, 1 + (i % 2)])))
  lmPool = join(root, 'lm-pool')
  const {ids} = await makeDclmPool(lmPool, 4000)
  lmSubset = join(root, 'lm-subset.npy')
  await writeSubsetNpy(lmSubset, new Map(ids.filter((_, i) => i % 2 === 0).map((id) => [id, 1])))
}, 600_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

/** sha256 of every file under `dir`, by relative path. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, {withFileTypes: true})) {
      const path = join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      else files[relative(dir, path)] = sha256Hex(readFileSync(path))
    }
  }
  walk(dir)
  return files
}

const RUNS: [string, () => string[]][] = [
  ['datacomp', () => ['--benchmark', 'datacomp', '--subset', clipSubset, '--pool', clipPool, '--shard-size', '40']],
  ['dclm', () => ['--benchmark', 'dclm', '--scale', 'tiny', '--subset', lmSubset, '--pool', lmPool, '--shard-size', '4']],
]

describe('bench reshard --shard i/N, --merge-shards N (DataComp)', () => {
  it('three tasks (one planning, in any order) and the merge give every file of a local reshard', async () => {
    const local = join(root, 'hand-local')
    const args = RUNS[0]![1]()
    expect((await runBench(['reshard', ...args, '--out', local])).exitCode).toBe(0)
    const out = join(root, 'hand-sharded')
    for (const shard of ['3/3', '1/3', '2/3']) {
      const task = await runBenchJson<{output_shards: number[]}>(['reshard', ...args, '--out', out, '--shard', shard, '--json'])
      expect(task.exitCode, task.stderr).toBe(0)
    }
    const missing = await runBench(['reshard', ...args, '--out', out, '--merge-shards', '4'])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/error \[DCB_RESHARD_SHARD\]: shard 1\/4: .*\.reshard-parts\/1-of-4\.json is missing; expected its output shards 0…\d+/)
    const merged = await runBenchJson<{merged_shards: number; shards: number}>(['reshard', ...args, '--out', out, '--merge-shards', '3', '--json'])
    expect(merged.exitCode, merged.stderr).toBe(0)
    expect(merged.json.merged_shards).toBe(3)
    expect(strip(tree(out), out)).toEqual(strip(tree(local), local))
  })

  it('DCLM refuses to shard, in one line', async () => {
    const result = await runBench(['reshard', ...RUNS[1]![1](), '--out', join(root, 'lm-hand'), '--shard', '1/2'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^error \[DCB_NOT_AVAILABLE\]: DCLM reshards cannot be split over workers .*: its resharder writes every output shard from the whole subset/m)
  })
})

describe('bench reshard --executor slurm --dry-run --json', () => {
  it('prints the one-task script, submitting nothing (no SLURM needed)', async () => {
    const out = join(root, 'dry')
    const dry = await runBenchJson<{dry_run: boolean; tasks: number; sbatch_script: string; script_file: string}>(['reshard', ...RUNS[1]![1](), '--out', out, '--executor', 'slurm', '--partition', 'cpu', '--dry-run', '--json'], {env: {SLURM_CONF: '/nonexistent/slurm.conf'}})
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(dry.json.tasks).toBe(1)
    expect(dry.json.script_file).toBe(`${out}.slurm/reshard.sbatch`)
    for (const line of ['#SBATCH --array=1-1', '#SBATCH --partition=cpu', `#SBATCH --chdir=${repoRoot}`]) expect(dry.json.sbatch_script).toContain(line)
    expect(dry.json.sbatch_script).toContain(`/bin/run.js" reshard --benchmark dclm --scale tiny --subset ${lmSubset} --pool ${lmPool} --out ${out} --shard-size 4\n`)
    expect(existsSync(`${out}.slurm`)).toBe(false)
    const clip = await runBenchJson<{tasks: number; sbatch_script: string}>(['reshard', ...RUNS[0]![1](), '--out', out, '--executor', 'slurm', '--dry-run', '--json'], {env: {SLURM_CONF: '/nonexistent/slurm.conf'}})
    expect(clip.exitCode, clip.stderr).toBe(0)
    expect(clip.json.tasks).toBe(2)
    expect(clip.json.sbatch_script).toContain('--shard-size 40 --shard "$SLURM_ARRAY_TASK_ID"/2\n')
    expect(existsSync(out)).toBe(false)
  })
})

describe('bench reshard --executor slurm into a finished folder', () => {
  it.each(RUNS)('%s: reports it as a local reshard does, submitting and writing nothing (no SLURM needed)', async (name, args) => {
    const out = join(root, `${name}-finished`)
    expect((await runBench(['reshard', ...args(), '--out', out])).exitCode).toBe(0)
    const before = tree(out)
    const local = await runBenchJson<{already_complete: boolean; seconds: number}>(['reshard', ...args(), '--out', out, '--json'])
    expect(local.exitCode, local.stderr).toBe(0)
    expect(local.json.already_complete).toBe(true)
    // no cluster to reach: a submission would fail
    const slurm = await runBenchJson<{already_complete: boolean; seconds: number; executor: string; slurm_job_id: string | null; script_file: string | null}>(['reshard', ...args(), '--out', out, '--executor', 'slurm', '--json'], {env: {SLURM_CONF: '/nonexistent/slurm.conf'}})
    expect(slurm.exitCode, slurm.stderr).toBe(0)
    const {executor, slurm_job_id, script_file, seconds: _slurmSeconds, ...facts} = slurm.json
    const {seconds: _localSeconds, ...localFacts} = local.json
    expect({executor, slurm_job_id, script_file}).toEqual({executor: 'slurm', slurm_job_id: null, script_file: null})
    expect(facts).toEqual(localFacts)
    expect(existsSync(`${out}.slurm`)).toBe(false)
    expect(tree(out)).toEqual(before)
    const human = await runBench(['reshard', ...args(), '--out', out, '--executor', 'slurm'], {env: {SLURM_CONF: '/nonexistent/slurm.conf'}})
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stdout).toContain(`${out} already holds this subset's training data; nothing to do`)
  })
})

describe.skipIf(slurmSkipReason)('bench reshard --executor slurm (a job on the test cluster)', () => {
  beforeAll(async () => {
    await startSlurmCluster()
  })

  it.each(RUNS)('%s: every output file byte-identical to a local reshard', async (name, args) => {
    const local = join(root, `${name}-local`)
    const localRun = await runBench(['reshard', ...args(), '--out', local])
    expect(localRun.exitCode, localRun.stderr).toBe(0)
    const out = join(root, `${name}-slurm`)
    const result = await runBenchJson<{executor: string; slurm_job_id: string; shards: number; already_complete: boolean}>(['reshard', ...args(), '--out', out, '--executor', 'slurm', ...(name === 'datacomp' ? ['--shards', '3'] : []), '--json'], {env: slurmEnv})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.executor).toBe('slurm')
    expect(result.json.already_complete).toBe(false)
    expect(result.json.shards).toBeGreaterThan(1)
    expect(strip(tree(out), out)).toEqual(strip(tree(local), local))
    expect(existsSync(join(`${out}.slurm`, `reshard-${result.json.slurm_job_id}_1.out`))).toBe(true)
  })

  it('a failed job is one line naming it, its log and the cause', async () => {
    // a subset of another pool: the job's reshard refuses it (DCB_RESHARD_SUBSET)
    const result = await runBench(['reshard', '--benchmark', 'dclm', '--scale', 'tiny', '--subset', clipSubset, '--pool', lmPool, '--out', join(root, 'fail'), '--executor', 'slurm'], {env: slurmEnv})
    expect(result.exitCode).toBe(3)
    const line = result.stderr.split('\n').find((l) => l.startsWith('error ['))
    expect(line).toMatch(/^error \[DCB_SLURM_JOB\]: array job \d+ task 1 \(bench reshard --benchmark dclm\) failed \(exit 2\) on n[12]; log .*fail\.slurm\/reshard-\d+_1\.out: .*DCB_RESHARD_SUBSET/)
  })
})

/** The tree's sha256s, those of the manifests with the output folder's path taken out (the paths they record differ; every other byte is the same). */
function strip(files: Record<string, string>, dir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, ['manifest.json', 'meta.json', 'tokenized.json'].includes(k) ? normalized(join(dir, k)) : v]))
}

/** A manifest's sha256 with the output folder's own path taken out (a local and a SLURM run write to different folders). */
function normalized(file: string): string {
  const dir = file.slice(0, file.lastIndexOf('/'))
  return sha256Hex(readFileSync(file, 'utf8').replaceAll(dir, 'OUT'))
}
