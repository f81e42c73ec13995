import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runBenchJson} from '../../helpers/cli.js'
import {runWithFakeSlurm} from '../../helpers/fake-slurm-tasks.js'
import {goldenDirs, goldenFile, goldenFlags} from '../../helpers/slurm-golden.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * `bench train --executor slurm --dry-run --json` (the built CLI) for every official DataComp and DCLM
 * scale: `sbatch_script` is the golden script byte for byte (test/fixtures/slurm/golden/, held by
 * test/unit/runner/slurm/official-script.test.ts), and the argument list every task's trainer receives
 * from it (run with stand-ins for srun, scontrol, pyxis/Apptainer and the trainer) is `upstream_args` of
 * the plain `bench train --dry-run --json` at that scale — the list the Docker path runs. Needs no SLURM
 * client, data or GPU. A real submission at an official scale is refused with one line.
 */

const SCALES: [string, string][] = [
  ['datacomp', 'debug'], ['datacomp', 'small'], ['datacomp', 'medium'], ['datacomp', 'large'], ['datacomp', 'xlarge'],
  ['dclm', '400m-1x'], ['dclm', '1b-1x'], ['dclm', '1b-5x'], ['dclm', '3b-1x'], ['dclm', '7b-1x'], ['dclm', '7b-2x'],
]

interface Plan {
  executor: string
  entry_point: string
  upstream_args: string[] | null
  infra: {nodes: number; gpus_per_node: number}
  sbatch_script?: string
  warnings: string[]
}

async function plan(benchmark: string, scale: string, extra: string[]): Promise<Plan> {
  const {dataDir, runDir} = goldenDirs(benchmark, scale)
  const result = await runBenchJson<Plan>(['train', '--benchmark', benchmark, '--scale', scale, '--data', dataDir, '--out', runDir, '--dry-run', ...extra])
  expect(result.exitCode, `${benchmark} ${scale}: ${result.stderr}`).toBe(0)
  return result.json
}

const tempDir = useTempDir('dcbench-slurm-official-')

describe('bench train --executor slurm --dry-run at the official scales', () => {
  it.each(SCALES.map(([benchmark, scale], i) => ({benchmark, scale, runtime: i % 2 === 0 ? 'pyxis' : 'apptainer'})))('$benchmark $scale ($runtime): the golden script, running upstream_args of the local plan', async ({benchmark, scale, runtime}) => {
    const [slurm, local] = await Promise.all([plan(benchmark, scale, ['--executor', 'slurm', ...goldenFlags(benchmark, runtime)]), plan(benchmark, scale, [])])
    expect(slurm.executor).toBe('slurm')
    expect(local.sbatch_script).toBeUndefined()
    expect(slurm.upstream_args).toEqual(local.upstream_args)
    expect(local.upstream_args?.length).toBeGreaterThan(10)
    expect(slurm.sbatch_script).toBe(readFileSync(goldenFile(benchmark, scale, runtime), 'utf8'))
    const run = await runWithFakeSlurm(slurm.sbatch_script as string, slurm.infra.nodes)
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.tasks.get(0)?.argv).toEqual(['-m', local.entry_point, ...(local.upstream_args ?? [])])
  }, 120_000)

  it('--set nodes=4 gives the 4-node golden script of medium', async () => {
    const slurm = await plan('datacomp', 'medium', ['--executor', 'slurm', '--set', 'nodes=4', ...goldenFlags('datacomp', 'pyxis')])
    expect(slurm.infra).toMatchObject({nodes: 4, gpus_per_node: 8})
    expect(slurm.warnings.join('\n')).toContain('bench train does not submit datacomp medium to SLURM itself yet')
    expect(slurm.sbatch_script).toBe(readFileSync(goldenFile('datacomp', 'medium', 'pyxis', 4), 'utf8'))
  }, 120_000)

  it('tiny: the script a submission would write, with the plan of a local dry run', async () => {
    const dir = tempDir()
    const slurm = await runBenchJson<Plan>(['train', '--benchmark', 'dclm', '--scale', 'tiny', '--data', join(dir, 'none'), '--out', join(dir, 'run'), '--executor', 'slurm', '--set', 'nodes=2', '--partition', 'cpu', '--dry-run'])
    expect(slurm.exitCode, slurm.stderr).toBe(0)
    expect(slurm.json.executor).toBe('slurm')
    expect(slurm.json.upstream_args).toBeNull()
    expect(slurm.json.sbatch_script).toContain('#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=1\n')
    expect(slurm.json.sbatch_script).toMatch(/\nsrun .* -m dcbench_trainers\.launch --nnodes=2 --nproc_per_node=1 /)
  }, 120_000)

  it('refuses a real submission at an official scale, and the host runtime, with one line each', async () => {
    const dir = tempDir()
    const submit = await runBenchJson<{error: {code: string; message: string}}>(['train', '--benchmark', 'dclm', '--scale', '400m-1x', '--data', join(dir, 'none'), '--out', join(dir, 'run'), '--executor', 'slurm', ...goldenFlags('dclm', 'pyxis')])
    expect(submit.exitCode).toBe(2)
    expect(submit.json.error.code).toBe('DCB_NOT_AVAILABLE')
    expect(submit.json.error.message).toMatch(/submits only the tiny scale so far: dclm 400m-1x/)
    const host = await runBenchJson<{error: {code: string; message: string}}>(['train', '--benchmark', 'datacomp', '--scale', 'small', '--data', join(dir, 'none'), '--out', join(dir, 'run'), '--executor', 'slurm', '--dry-run'])
    expect(host.exitCode).toBe(2)
    expect(host.json.error.code).toBe('DCB_SLURM_OPTION')
  }, 120_000)
})
