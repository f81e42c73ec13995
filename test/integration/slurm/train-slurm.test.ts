import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {reshard} from '../../../src/runner/reshard/index.js'
import {repoRoot, runBench} from '../../helpers/cli.js'
import {makeDataCompPool, makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {slurmCli, slurmEnv, slurmSkipReason, startSlurmCluster} from '../../helpers/slurm-cluster.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * `bench train --executor slurm` on the real two-node cluster of .ci/slurm-up.sh, through the built CLI:
 * the tiny trainers as 2-node × 1-process jobs with the local run's output checks; a job cancelled
 * outside bench, Ctrl-C, a bench killed while its job runs (re-attach), a preempted job (USR1 →
 * checkpoint → requeue → resume); a bad partition, an sbatch refusal and a node going down.
 */

const tempDir = useTempDir('dcbench-slurm-train-')
let root: string
let clipData: string
let lmData: string

interface RunJson {
  exit_status: string
  steps: number
  validation: {ok: boolean} | null
  attempts: {slurm_job_id?: string; slurm_reattached?: boolean; resumed_from_step: number | null}[]
}

const readRun = (run: string): RunJson => JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as RunJson

function trainArgs(data: string, run: string, benchmark: string, extra: string[] = []): string[] {
  return ['train', '--benchmark', benchmark, '--scale', 'tiny', '--data', data, '--out', run, '--executor', 'slurm', '--set', 'nodes=2', ...extra]
}

/** Starts bench train in the background (as a user would, so signals reach it). */
function startBench(args: string[]): ReturnType<typeof execa> {
  return execa(process.execPath, [join(repoRoot, 'bin/run.js'), ...args], {reject: false, env: slurmEnv, forceKillAfterDelay: false})
}

async function waitFor(what: string, check: () => boolean, seconds = 120): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Waits until the trainer logged step `n`; returns the job id. */
async function jobAtStep(run: string, n: number): Promise<string> {
  const metrics = join(run, 'metrics.jsonl')
  await waitFor(`step ${n}`, () => existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').filter((l) => l.trim() !== '').length >= n)
  return readRun(run).attempts.at(-1)?.slurm_job_id as string
}

async function stateOf(jobId: string): Promise<string> {
  return /JobState=(\S+)/.exec(await slurmCli('scontrol', ['show', 'job', '-o', jobId]))?.[1] ?? ''
}

beforeAll(async () => {
  if (slurmSkipReason) return
  await startSlurmCluster()
  root = mkdtempSync(join(tmpdir(), 'dcbench-slurm-train-fixture-'))
  const {uids} = await makeDataCompPool(join(root, 'clip-pool'), {perShard: 300})
  await writeSubsetNpy(join(root, 'clip.npy'), new Map(uids.map((u) => [u, 1])))
  clipData = join(root, 'clip-data')
  await reshard({benchmark: 'datacomp', subsetFile: join(root, 'clip.npy'), poolDir: join(root, 'clip-pool'), outDir: clipData})
  const {ids} = await makeDclmPool(join(root, 'lm-pool'), 20_000)
  await writeSubsetNpy(join(root, 'lm.npy'), new Map(ids.map((u) => [u, 1])))
  lmData = join(root, 'lm-data')
  await reshard({benchmark: 'dclm', subsetFile: join(root, 'lm.npy'), poolDir: join(root, 'lm-pool'), outDir: lmData})
}, 600_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

describe.skipIf(slurmSkipReason)('bench train --executor slurm on a real two-node cluster', () => {
  it.each([
    ['datacomp', () => clipData],
    ['dclm', () => lmData],
  ])('trains tiny %s as a 2-node × 1-process job with the local output checks', async (benchmark, data) => {
    const run = join(tempDir(), 'run')
    const result = await runBench([...trainArgs(data(), run, benchmark, ['--max-steps', '3']), '--json'], {env: slurmEnv})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({executor: 'slurm', exit_status: 'stopped_at_max_steps', steps: 3})
    const manifest = readRun(run)
    expect(manifest.validation?.ok).toBe(true)
    const jobId = manifest.attempts[0]?.slurm_job_id as string
    expect(jobId).toMatch(/^\d+$/)
    expect(await stateOf(jobId)).toBe('COMPLETED')
    const log = readFileSync(join(run, 'logs/train.log'), 'utf8')
    expect(log).toContain(`# dcbench: submitted SLURM job ${jobId}`)
    expect(log).toMatch(/"event":"start".*"processes":2/)
    expect(readFileSync(join(run, 'slurm/train.sbatch'), 'utf8')).toContain('#SBATCH --nodes=2')
  })

  it('a job cancelled outside bench is one line with its id; the same command resumes it and finishes', async () => {
    const run = join(tempDir(), 'run')
    const args = trainArgs(lmData, run, 'dclm', ['--max-steps', '6'])
    const child = startBench(args)
    const jobId = await jobAtStep(run, 2)
    await slurmCli('scancel', [jobId])
    const stopped = await child
    expect(stopped.exitCode, String(stopped.stderr)).toBe(3)
    expect(String(stopped.stderr)).toMatch(new RegExp(`error \\[DCB_SLURM_JOB\\]: job ${jobId} was cancelled outside bench on n\\[1-2\\]; the log's last lines: `))
    const again = await runBench([...args, '--json'], {env: slurmEnv})
    expect(again.exitCode, again.stderr).toBe(0)
    const result = JSON.parse(again.stdout) as {resumed_from_step: number; steps: number}
    expect(result.resumed_from_step).toBeGreaterThanOrEqual(2)
    expect(result.steps).toBe(6)
  })

  it('Ctrl-C cancels the job: the trainers checkpoint and the run says interrupted', async () => {
    const run = join(tempDir(), 'run')
    const child = startBench(trainArgs(lmData, run, 'dclm', ['--max-steps', '40']))
    const jobId = await jobAtStep(run, 1)
    child.kill('SIGINT')
    const stopped = await child
    expect(stopped.exitCode, `${String(stopped.signal)}: ${String(stopped.stderr)}`).toBe(3)
    expect(String(stopped.stderr)).toMatch(/error \[DCB_TRAIN_INTERRUPTED\]/)
    expect(await stateOf(jobId)).toBe('CANCELLED')
    expect(readRun(run).exit_status).toBe('interrupted')
  })

  it('re-attaches to the run\'s job while it runs instead of submitting another', async () => {
    const run = join(tempDir(), 'run')
    const args = trainArgs(lmData, run, 'dclm', ['--max-steps', '12'])
    const child = startBench(args)
    const jobId = await jobAtStep(run, 1)
    child.kill('SIGKILL')
    await child
    expect(await stateOf(jobId)).toBe('RUNNING')
    const again = await runBench([...args, '--json'], {env: slurmEnv})
    expect(again.exitCode, again.stderr).toBe(0)
    const attempts = readRun(run).attempts
    expect(attempts.map((a) => a.slurm_job_id)).toEqual([jobId, jobId])
    expect(attempts[1]?.slurm_reattached).toBe(true)
    expect(readRun(run).steps).toBe(12)
  })

  it('a preempted job (USR1 with --requeue) checkpoints, is requeued and resumes to the end', async () => {
    const run = join(tempDir(), 'run')
    const child = startBench([...trainArgs(lmData, run, 'dclm', ['--max-steps', '6', '--requeue']), '--json'])
    const jobId = await jobAtStep(run, 2)
    await slurmCli('scancel', ['--signal=USR1', '--batch', jobId])
    const done = await child
    expect(done.exitCode, String(done.stderr)).toBe(0)
    expect(readRun(run).steps).toBe(6)
    const log = readFileSync(join(run, 'logs/train.log'), 'utf8')
    expect(log).toContain(`# dcbench: requeueing job ${jobId}`)
    const resumed = [...log.matchAll(/"event":"start","steps_total":\d+,"resumed_from_step":(\d+)/g)].map((m) => Number(m[1]))
    expect(resumed[0]).toBe(0)
    expect(resumed[1]).toBeGreaterThanOrEqual(2)
    expect(await slurmCli('scontrol', ['show', 'job', '-o', jobId])).toMatch(/Restarts=1 /)
  }, 240_000)

  it('a bad partition and an sbatch refusal are one line each, exit 2', async () => {
    const partition = await runBench(trainArgs(lmData, join(tempDir(), 'run'), 'dclm', ['--partition', 'nosuch']), {env: slurmEnv})
    expect(partition.exitCode, partition.stderr).toBe(2)
    expect(partition.stderr).toMatch(/error \[DCB_SLURM_SUBMIT\]: sbatch \S+train\.sbatch: refused the job: sbatch: error: invalid partition specified: nosuch/)
    const feature = await runBench(trainArgs(lmData, join(tempDir(), 'run'), 'dclm', ['--constraint', 'nosuchfeature']), {env: slurmEnv})
    expect(feature.exitCode, feature.stderr).toBe(2)
    expect(feature.stderr).toMatch(/error \[DCB_SLURM_SUBMIT\]: .*refused the job: sbatch: error: .*feature/i)
  })

  it('a node going down mid-run is one line with the job id', async () => {
    const run = join(tempDir(), 'run')
    const child = startBench(trainArgs(lmData, run, 'dclm', ['--max-steps', '40']))
    const jobId = await jobAtStep(run, 1)
    try {
      await slurmCli('scontrol', ['update', 'nodename=n2', 'state=down', 'reason=dcbench-test'])
      const failed = await child
      expect(failed.exitCode, String(failed.stderr)).toBe(3)
      expect(String(failed.stderr)).toMatch(new RegExp(`error \\[DCB_SLURM_JOB\\]: job ${jobId} lost a node \\(NODE_FAIL\\)`))
    } finally {
      // (the node may already be back: ReturnToService)
      await execa('scontrol', ['update', 'nodename=n2', 'state=resume'], {env: slurmEnv, reject: false})
      await startSlurmCluster()
    }
  })
})
