import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'
import {makeDataCompPool, makeTwoFileDclmPool} from '../../helpers/reshard-fixtures.js'
import {slurmEnv, slurmSkipReason, startSlurmCluster} from '../../helpers/slurm-cluster.js'

/**
 * `bench pool index` sharded: `--shard i/N` + `--merge-shards N` here, and `--executor slurm` as a job
 * array on the real two-node cluster of .ci/slurm-up.sh; both give a .uidx byte-identical to a local index.
 */

let root: string
let clipPool: string
let lmPool: string

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-slurm-index-'))
  clipPool = join(root, 'clip-pool')
  await makeDataCompPool(clipPool, {shards: 3, perShard: 200})
  lmPool = join(root, 'lm-pool')
  await makeTwoFileDclmPool(lmPool)
}, 600_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

const bytes = (file: string): Buffer => readFileSync(file)

describe('bench pool index --shard i/N, --merge-shards N', () => {
  it('gives the local index byte for byte, and names a missing shard', async () => {
    const local = await runBench(['pool', 'index', clipPool, '--out', join(root, 'local.uidx')])
    expect(local.exitCode, local.stderr).toBe(0)
    const out = join(root, 'sharded.uidx')
    for (const shard of ['1/2', '2/2']) expect((await runBench(['pool', 'index', clipPool, '--out', out, '--shard', shard])).exitCode).toBe(0)
    expect(existsSync(join(root, 'sharded.uidx.shards', '2-of-2.uidx'))).toBe(true)
    const merged = await runBenchJson<{merged_shards: number; count: number}>(['pool', 'index', clipPool, '--out', out, '--merge-shards', '2', '--memory', '1MiB', '--json'])
    expect(merged.exitCode, merged.stderr).toBe(0)
    expect(merged.json.merged_shards).toBe(2)
    expect(bytes(out).equals(bytes(join(root, 'local.uidx')))).toBe(true)
    expect(existsSync(join(root, 'sharded.uidx.shards'))).toBe(false)

    const missing = await runBench(['pool', 'index', clipPool, '--out', join(root, 'missing.uidx'), '--merge-shards', '3'])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/error \[DCB_POOL_SHARD\]: shard 1\/3: .*missing\.uidx\.shards\/1-of-3\.uidx is missing; expected the index of its 1 pool file\(s\)/)
  })
})

describe.skipIf(slurmSkipReason)('bench pool index --executor slurm (a job array on the test cluster)', () => {
  beforeAll(async () => {
    await startSlurmCluster()
  })

  it.each([['datacomp', () => clipPool], ['dclm', () => lmPool]])('%s: an index byte-identical to a local one', async (name, pool) => {
    const local = join(root, `${name}-local.uidx`)
    expect((await runBench(['pool', 'index', pool(), '--out', local])).exitCode).toBe(0)
    const out = join(root, `${name}-slurm.uidx`)
    const result = await runBenchJson<{executor: string; slurm_job_id: string; shards: {shard: string; files: string[]}[]}>(['pool', 'index', pool(), '--out', out, '--executor', 'slurm', '--shards', '2', '--json'], {env: slurmEnv})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.executor).toBe('slurm')
    expect(result.json.shards.map((s) => s.shard)).toEqual(['1/2', '2/2'])
    expect(bytes(out).equals(bytes(local))).toBe(true)
    expect(existsSync(join(root, `${name}-slurm.uidx.slurm`, `pool-index-${result.json.slurm_job_id}_1.out`))).toBe(true)
  })

  it('--dry-run --json prints the array script and submits nothing', async () => {
    const dry = await runBenchJson<{sbatch_script: string; shards: unknown[]}>(['pool', 'index', clipPool, '--out', join(root, 'dry.uidx'), '--executor', 'slurm', '--dry-run', '--json'], {env: {SLURM_CONF: '/nonexistent/slurm.conf'}})
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(dry.json.shards).toHaveLength(3)
    expect(dry.json.sbatch_script).toContain('#SBATCH --array=1-3')
    expect(dry.json.sbatch_script).toContain('--shard "$SLURM_ARRAY_TASK_ID"/3')
    expect(existsSync(join(root, 'dry.uidx.slurm'))).toBe(false)
  })
})
