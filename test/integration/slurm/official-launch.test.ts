import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {execa} from 'execa'
import {beforeAll, describe, expect, it} from 'vitest'

import {getBenchmark} from '../../../src/benchmarks/registry.js'
import {resolveSlurmSettings} from '../../../src/runner/slurm/site.js'
import {trainInfrastructure} from '../../../src/runner/train/infrastructure.js'
import {officialPlan} from '../../../src/runner/train/official-plan.js'
import {planSlurmScript} from '../../../src/runner/train/slurm-plan.js'
import {getRecipe} from '../../../src/tracks/registry.js'
import {readFakeTasks, writeFakes} from '../../helpers/fake-slurm-tasks.js'
import {slurmEnv, slurmSkipReason, startSlurmCluster} from '../../helpers/slurm-cluster.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * An official scale's batch script (the apptainer runtime) submitted to the real two-node test cluster:
 * real sbatch, srun, scontrol and SLURM's per-task variables; only Apptainer and the upstream trainer are
 * stand-ins (neither a GPU nor Apptainer is here; test/helpers/fake-slurm-tasks.ts), and the
 * `--gpus-per-node` line is dropped because the test cluster has no GPUs. Each of the 2 × 2 tasks must
 * receive the scale's exact argument list and the ranks and rendezvous open_clip's
 * `world_info_from_env` reads.
 */

const tempDir = useTempDir('dcbench-slurm-official-launch-')

describe.skipIf(slurmSkipReason)('an official scale\'s batch script on the real test cluster', () => {
  beforeAll(async () => {
    await startSlurmCluster()
  }, 120_000)

  it('DataComp small on 2 nodes × 2 tasks: every task runs upstream_args with RANK/LOCAL_RANK/WORLD_SIZE and MASTER_ADDR from SLURM', async () => {
    const dir = tempDir()
    const runDir = join(dir, 'run')
    const dataDir = join(dir, 'data')
    const bin = join(dir, 'bin')
    const out = join(dir, 'out')
    for (const sub of [join(runDir, 'logs'), dataDir, bin, out]) mkdirSync(sub, {recursive: true})
    writeFakes(bin, ['apptainer', 'python'])
    const recipe = getRecipe({benchmark: 'datacomp', scale: 'small'})
    const options = {benchmark: 'datacomp', scale: 'small', dataDir, runDir, executor: 'slurm' as const, set: {nodes: 2, gpus_per_node: 2}, threads: 2, slurm: resolveSlurmSettings({runtime: 'apptainer', image: join(dir, 'clip.sif')})}
    const {infra, gpus} = trainInfrastructure(options, recipe)
    const official = officialPlan(getBenchmark('datacomp'), recipe, infra, dataDir, false)
    const {sbatchScript} = await planSlurmScript({options, recipe, infra, gpus, official, dataDir, runDir, warnings: []})
    expect(sbatchScript).toContain('#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=2\n#SBATCH --gpus-per-node=2\n#SBATCH --cpus-per-task=1\n')
    const script = join(dir, 'job.sbatch')
    writeFileSync(script, sbatchScript.replace('#SBATCH --gpus-per-node=2\n', ''))

    const submitted = await execa('sbatch', ['--parsable', '--wait', script], {reject: false, env: {...slurmEnv, PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_OUT: out}})
    const jobId = submitted.stdout.trim()
    const log = readFileSync(join(runDir, `logs/slurm-${jobId}.out`), 'utf8')
    expect(submitted.exitCode, `${submitted.stderr}\n${log}`).toBe(0)
    expect(log).toMatch(/# dcbench: job \d+ \(restart 0\) on n\[1-2\], rendezvous 127\.0\.0\.1:\d+/)
    const port = /rendezvous 127\.0\.0\.1:(\d+)/.exec(log)?.[1]
    const tasks = readFakeTasks(out)
    expect([...tasks.keys()].sort()).toEqual([0, 1, 2, 3])
    for (const [rank, task] of tasks) {
      expect(task.argv).toEqual(['-m', 'training.main', ...official.upstreamArgs])
      expect(task.env).toMatchObject({RANK: String(rank), LOCAL_RANK: String(rank % 2), WORLD_SIZE: '4', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, OMP_NUM_THREADS: '1', PYTHONUNBUFFERED: '1'})
    }
    // the global batch 4096 over 2 nodes × 2 GPUs: open_clip's --batch-size is per GPU
    expect(official.upstreamArgs.join(' ')).toContain('--batch-size 1024 ')
    // the job takes every CPU of the 2 × 2-CPU test cluster, so it may queue behind the other SLURM
    // test files' jobs (they run in parallel): the timeout covers their whole run
  }, 600_000)
})
