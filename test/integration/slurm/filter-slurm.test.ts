import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'
import {iterateDclmDocuments} from '../../../src/benchmarks/dclm/documents.js'
import {sha256Hex} from '../../../src/util/canonical-json.js'
import {makeDataCompPool, makeTwoFileDclmPool} from '../../helpers/reshard-fixtures.js'
import {slurmEnv, slurmSkipReason, startSlurmCluster} from '../../helpers/slurm-cluster.js'

/**
 * `bench filter` sharded: `--shard i/N` + `--merge-shards N` here, and `--executor slurm` as a job array
 * on the real two-node cluster of .ci/slurm-up.sh; both give a subset .npy byte-identical (sha256) to a
 * local run — keep decisions with repeats, and scores whose best --size/--fraction the merge picks.
 */

let root: string
let clipPool: string
let lmPool: string
let moduleFile: string
/** A document of the DCLM pool's second file: the planted filter throws on it (only shard 2/2 reads it). */
let failUid: string

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-slurm-filter-'))
  clipPool = join(root, 'clip-pool')
  await makeDataCompPool(clipPool, {shards: 3, perShard: 120})
  lmPool = join(root, 'lm-pool')
  const {files} = await makeTwoFileDclmPool(lmPool)
  for await (const doc of iterateDclmDocuments(files[1] as string)) {
    failUid = doc.id
    break
  }
  // keeps by the uid's first digit, some twice (repeats must survive the merge); throws on a planted uid when asked
  moduleFile = join(root, 'by-digit.mjs')
  writeFileSync(moduleFile, `export default (context) => ({name: 'by-digit', benchmarks: ['datacomp', 'dclm'], decide: (r) => {
  if (context.seed === 99 && r.uid === '${failUid}') throw new Error('planted failure')
  const d = parseInt(r.uid[0], 16)
  return d < 4 ? {repeat: 2} : d < 10
}})\n`)
}, 600_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

const sha = (file: string): string => sha256Hex(readFileSync(file))

/** The runs both halves of this file compare: [name, benchmark, pool, filter flags]. */
const RUNS: [string, string, () => string, string[]][] = [
  ['datacomp-module', 'datacomp', () => clipPool, ['--filter', '@module']],
  ['datacomp-random-size', 'datacomp', () => clipPool, ['--filter', 'random', '--size', '101', '--seed', '3']],
  ['dclm-heuristic', 'dclm', () => lmPool, ['--filter', 'heuristic']],
  ['dclm-random-fraction', 'dclm', () => lmPool, ['--filter', 'random', '--fraction', '0.3']],
]

function filterArgs(benchmark: string, pool: string, flags: string[], out: string): string[] {
  return ['filter', '--benchmark', benchmark, '--pool', pool, ...flags.map((f) => (f === '@module' ? moduleFile : f)), '--out', out]
}

async function localRun(name: string, benchmark: string, pool: string, flags: string[]): Promise<string> {
  const out = join(root, `${name}-local.npy`)
  if (!existsSync(out)) {
    const local = await runBench(filterArgs(benchmark, pool, flags, out))
    expect(local.exitCode, local.stderr).toBe(0)
  }
  return out
}

describe('bench filter --shard i/N, --merge-shards N', () => {
  it.each(RUNS)('%s: the merged subset is the local one byte for byte', async (name, benchmark, pool, flags) => {
    const local = await localRun(name, benchmark, pool(), flags)
    const out = join(root, `${name}-sharded.npy`)
    for (const shard of ['1/2', '2/2']) {
      const part = await runBench([...filterArgs(benchmark, pool(), flags, out), '--shard', shard])
      expect(part.exitCode, part.stderr).toBe(0)
    }
    const merged = await runBenchJson<{merged_shards: number; pool_records: number}>([...filterArgs(benchmark, pool(), flags, out), '--merge-shards', '2', '--json'])
    expect(merged.exitCode, merged.stderr).toBe(0)
    expect(merged.json.merged_shards).toBe(2)
    expect(sha(out)).toBe(sha(local))
    expect(existsSync(`${out}.shards`)).toBe(false)
  })

  it('names a missing part, and a part of a run with other options', async () => {
    const out = join(root, 'mismatch.npy')
    const flags = ['--filter', 'random', '--size', '50']
    expect((await runBench([...filterArgs('datacomp', clipPool, flags, out), '--shard', '1/2'])).exitCode).toBe(0)
    const missing = await runBench([...filterArgs('datacomp', clipPool, flags, out), '--merge-shards', '2'])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/error \[DCB_FILTER_SHARD\]: shard 2\/2: .*mismatch\.npy\.shards\/2-of-2\.json is missing; expected the part of its 1 pool file\(s\)/)
    expect((await runBench([...filterArgs('datacomp', clipPool, ['--filter', 'random', '--size', '50', '--seed', '1'], out), '--shard', '2/2'])).exitCode).toBe(0)
    const other = await runBench([...filterArgs('datacomp', clipPool, flags, out), '--merge-shards', '2'])
    expect(other.exitCode).toBe(2)
    expect(other.stderr).toMatch(/error \[DCB_FILTER_SHARD\]: shard 2\/2: .*2-of-2\.json comes from a run with other filter options/)
    expect(existsSync(out)).toBe(false)
  })

  it('refuses, in one line, a filter that needs the whole pool', async () => {
    const result = await runBench([...filterArgs('datacomp', clipPool, ['--filter', 'heuristic'], join(root, 'h.npy')), '--shard', '1/2'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^error \[DCB_FILTER_WHOLE_POOL\]: filter 'heuristic' on a datacomp pool cannot run sharded \(--shard, --executor slurm\): it drops near-duplicates of images kept earlier in pool order$/m)
    expect(existsSync(join(root, 'h.npy.shards'))).toBe(false)
  })
})

describe('bench filter --executor slurm --dry-run --json', () => {
  it('prints the shards and the array script, submitting nothing (no SLURM needed)', async () => {
    const out = join(root, 'dry.npy')
    const dry = await runBenchJson<{dry_run: boolean; sbatch_script: string; shards: {shard: string; files: string[]}[]}>([...filterArgs('dclm', lmPool, ['--filter', 'heuristic'], out), '--executor', 'slurm', '--partition', 'cpu', '--dry-run', '--json'], {env: {SLURM_CONF: '/nonexistent/slurm.conf'}})
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(dry.json.shards.map((s) => s.files.map((f) => f.split('/').pop()))).toEqual([['00000007.jsonl.zst'], ['00000008.jsonl.zst']])
    const script = dry.json.sbatch_script
    for (const line of ['#SBATCH --array=1-2', '#SBATCH --partition=cpu', `#SBATCH --output=${out}.slurm/filter-%A_%a.out`]) expect(script).toContain(line)
    expect(script).toContain(`/bin/run.js" filter --benchmark dclm --filter heuristic --pool ${lmPool} --out ${out} --seed 0 --shard "$SLURM_ARRAY_TASK_ID"/2\n`)
    expect(existsSync(`${out}.slurm`)).toBe(false)
    const refused = await runBench([...filterArgs('dclm', lmPool, ['--filter', 'dclm-baseline', '--model', moduleFile], out), '--executor', 'slurm', '--dry-run'])
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain("error [DCB_FILTER_WHOLE_POOL]: filter 'dclm-baseline' on a dclm pool cannot run sharded (--shard, --executor slurm): its bff dedup holds the n-grams of every earlier document in pool order")
  })
})

describe.skipIf(slurmSkipReason)('bench filter --executor slurm (a job array on the test cluster)', () => {
  beforeAll(async () => {
    await startSlurmCluster()
  })

  it.each(RUNS)('%s: a subset byte-identical to a local run', async (name, benchmark, pool, flags) => {
    const local = await localRun(name, benchmark, pool(), flags)
    const out = join(root, `${name}-slurm.npy`)
    const result = await runBenchJson<{executor: string; slurm_job_id: string; shards: {shard: string}[]; merged_shards: number}>([...filterArgs(benchmark, pool(), flags, out), '--executor', 'slurm', '--shards', '2', '--json'], {env: slurmEnv})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.executor).toBe('slurm')
    expect(result.json.shards.map((s) => s.shard)).toEqual(['1/2', '2/2'])
    expect(sha(out)).toBe(sha(local))
    expect(existsSync(join(`${out}.slurm`, `filter-${result.json.slurm_job_id}_2.out`))).toBe(true)
    expect(existsSync(`${out}.shards`)).toBe(false)
  })

  it('a failed array task is one line naming the task, its shard, its log and the cause', async () => {
    const out = join(root, 'fail.npy')
    const result = await runBench([...filterArgs('dclm', lmPool, ['--filter', moduleFile, '--seed', '99'], out), '--executor', 'slurm', '--shards', '2'], {env: slurmEnv})
    expect(result.exitCode).toBe(3)
    const line = result.stderr.split('\n').find((l) => l.startsWith('error ['))
    expect(line).toMatch(/^error \[DCB_SLURM_JOB\]: array job \d+ task 2 \(bench filter --shard 2\/2: 1 file\(s\)\) failed \(exit 2\) on n[12]; log .*fail\.npy\.slurm\/filter-\d+_2\.out: .*DCB_FILTER_BAD.*planted failure/)
    expect(existsSync(out)).toBe(false)
  })
})
