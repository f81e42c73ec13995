import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'
import {makeFixtureModel} from '../../helpers/eval-fixtures.js'
import {slurmEnv, slurmSkipReason, startSlurmCluster} from '../../helpers/slurm-cluster.js'
import {exportTinyGpt} from '../../helpers/tiny-gpt.js'

/**
 * `bench eval --executor slurm` on the real two-node cluster of .ci/slurm-up.sh: a job array of
 * `bench eval --shard i/N` tasks on the nodes, merged on the "login node" (this process) into the same
 * results file a local eval writes; a failed array task and a failed node check are one line each.
 */

let root: string
let clipModel: string
let lmModel: string
let env: Record<string, string>

beforeAll(async () => {
  if (slurmSkipReason) return
  await startSlurmCluster()
  root = mkdtempSync(join(tmpdir(), 'dcbench-slurm-eval-'))
  clipModel = await makeFixtureModel(join(root, 'clip', 'model'), 11)
  lmModel = await exportTinyGpt({seed: 1})
  env = {...slurmEnv, DCBENCH_DATA: join(root, 'cache')}
}, 600_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
  if (lmModel) rmSync(lmModel, {recursive: true, force: true})
})

const clipArgs = (out: string): string[] => ['eval', '--benchmark', 'datacomp', '--scale', 'tiny', '--model', clipModel, '--out', out, '--decode-threads', '1']
const lmArgs = (out: string): string[] => ['eval', '--benchmark', 'dclm', '--scale', 'tiny', '--model', lmModel, '--out', out]

interface SlurmEvalJson {
  executor: string
  slurm_job_id: string
  shards: {shard: string; tasks: string[]}[]
  eval_file?: string
}

describe.skipIf(slurmSkipReason)('bench eval --executor slurm (a job array on the test cluster)', () => {
  it('DataComp tiny: 3 array tasks, merged into an eval_results.jsonl byte-identical to a local eval', async () => {
    const local = await runBench(clipArgs(join(root, 'clip-local')), {env})
    expect(local.exitCode, local.stderr).toBe(0)
    const out = join(root, 'clip-slurm')
    const slurm = await runBenchJson<SlurmEvalJson>([...clipArgs(out), '--executor', 'slurm', '--shards', '3'], {env})
    expect(slurm.exitCode, slurm.stderr).toBe(0)
    expect(slurm.json.executor).toBe('slurm')
    expect(slurm.json.slurm_job_id).toMatch(/^\d+$/)
    expect(slurm.json.shards.map((s) => s.shard)).toEqual(['1/3', '2/3', '3/3'])
    for (const file of ['eval_results.jsonl', 'eval_info.json']) {
      expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join(root, 'clip-local', file), 'utf8'))
    }
    // the shards' per-example predictions are merged too: the same files as the local eval's but for `seconds`
    const predictions = (dir: string): Record<string, unknown> => {
      const files = readdirSync(join(dir, 'datacomp-tasks'), {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.json')).sort()
      return Object.fromEntries(files.map((f) => {
        const {seconds: _s, ...rest} = JSON.parse(readFileSync(join(dir, 'datacomp-tasks', f), 'utf8')) as Record<string, unknown>
        return [f, rest]
      }))
    }
    const merged = predictions(out)
    expect(Object.keys(merged).length).toBeGreaterThan(0)
    expect(merged).toEqual(predictions(join(root, 'clip-local')))
    expect(existsSync(join(out, 'eval-shards'))).toBe(false)
    expect(existsSync(join(out, 'slurm', `eval-${slurm.json.slurm_job_id}_2.out`))).toBe(true)
  })

  it('DCLM tiny: 2 array tasks give the eval JSON a local eval gives (uuid and creation_date are new on every eval)', async () => {
    const local = await runBenchJson<SlurmEvalJson>(lmArgs(join(root, 'lm-local')), {env})
    expect(local.exitCode, local.stderr).toBe(0)
    const slurm = await runBenchJson<SlurmEvalJson>([...lmArgs(join(root, 'lm-slurm')), '--executor', 'slurm', '--shards', '2'], {env})
    expect(slurm.exitCode, slurm.stderr).toBe(0)
    const strip = (file: string): Record<string, unknown> => {
      const {uuid: _u, creation_date: _c, ...rest} = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
      return rest
    }
    expect(slurm.json.eval_file).toBe(join(root, 'lm-slurm', 'evaluation_' + (local.json.eval_file as string).split('/evaluation_')[1]))
    expect(strip(slurm.json.eval_file as string)).toEqual(strip(local.json.eval_file as string))
  })

  it('a failed array task is one line naming the task, its shard and its log', async () => {
    const out = join(root, 'clip-fail')
    // shard 2's folder belongs to another model: that task (only) refuses with DCB_EVAL_OUT
    mkdirSync(join(out, 'eval-shards', '2-of-2'), {recursive: true})
    writeFileSync(join(out, 'eval-shards', '2-of-2', 'eval_info.json'), JSON.stringify({model_hash: 'f'.repeat(64), suite: 'tiny-clip', suite_version: '1'}))
    const result = await runBench([...clipArgs(out), '--executor', 'slurm', '--shards', '2'], {env})
    expect(result.exitCode).toBe(3)
    const line = result.stderr.split('\n').find((l) => l.startsWith('error ['))
    expect(line).toMatch(/^error \[DCB_SLURM_JOB\]: array job \d+ task 2 \(bench eval --shard 2\/2: [^)]+\) failed \(exit 2\) on n[12]; log .*\/slurm\/eval-\d+_2\.out: .*DCB_EVAL_OUT/)
  })

  it('a node without Node.js fails the job at its first step with one line (DCB_SLURM_NODE)', async () => {
    const result = await runBench([...clipArgs(join(root, 'clip-nonode')), '--executor', 'slurm', '--shards', '2'], {env: {...env, DCBENCH_SLURM_NODE: '/nonexistent/node'}})
    expect(result.exitCode).toBe(3)
    const line = result.stderr.split('\n').find((l) => l.startsWith('error ['))
    expect(line).toMatch(/^error \[DCB_SLURM_NODE\]: array job \d+ task 1 \(bench eval --shard 1\/2: .*\) on n[12]: dcbench: node check failed on \S+: no Node\.js at \/nonexistent\/node .*; log .*eval-\d+_1\.out$/)
  })
})

describe('bench eval --executor slurm --dry-run --json', () => {
  it('prints the shards and the sbatch script, submitting nothing (no SLURM needed)', async () => {
    const dry = await runBenchJson<SlurmEvalJson & {sbatch_script: string; dry_run: boolean}>(['eval', '--benchmark', 'dclm', '--scale', 'tiny', '--model', '/shared/runs/lm/model', '--out', '/shared/runs/lm/eval', '--executor', 'slurm', '--shards', '2', '--partition', 'cpu', '--time', '30', '--dry-run', '--json'], {env: {SLURM_CONF: '/nonexistent/slurm.conf'}})
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(dry.json.dry_run).toBe(true)
    expect(dry.json.shards).toEqual([{shard: '1/2', tasks: ['tiny_fact_completion', 'tiny_who_schema']}, {shard: '2/2', tasks: ['tiny_fact_choice', 'tiny_questions']}])
    const script = dry.json.sbatch_script
    for (const line of ['#SBATCH --array=1-2', '#SBATCH --partition=cpu', '#SBATCH --time=30', '#SBATCH --output=/shared/runs/lm/eval/slurm/eval-%A_%a.out']) expect(script).toContain(line)
    expect(script).toContain('--shard "$SLURM_ARRAY_TASK_ID"/2')
    expect(script).toContain('node check failed')
    expect(existsSync('/shared/runs/lm/eval')).toBe(false)
  })
})
