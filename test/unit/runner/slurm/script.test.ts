import {describe, expect, it} from 'vitest'

import {clipTrainArgs} from '../../../../src/benchmarks/datacomp/train-args.js'
import type {DataCompScaleRecipe} from '../../../../src/benchmarks/datacomp/recipe.js'
import {lmTrainArgs} from '../../../../src/benchmarks/dclm/train-args.js'
import type {DclmScaleRecipe} from '../../../../src/benchmarks/dclm/recipe.js'
import {slurmTrainScript, shellQuote, type SlurmTrainJob} from '../../../../src/runner/slurm/script.js'
import {resolveSlurmSettings} from '../../../../src/runner/slurm/site.js'
import {trainJob} from '../../../../src/runner/slurm/train-job.js'
import {getRecipe, resolveInfra} from '../../../../src/tracks/index.js'

// The batch scripts the SLURM executor writes, held as golden files (__golden__/, `vitest -u` rewrites
// them after a deliberate change). host is run on a real cluster by test/integration/slurm; pyxis and
// apptainer cannot run here (neither is in Debian): their scripts are [unverified] (docs/slurm.md).

const golden = (name: string): string => `./__golden__/${name}.sbatch`

function jobOf(runtime: 'host' | 'pyxis' | 'apptainer'): SlurmTrainJob {
  const recipe = getRecipe({benchmark: 'dclm', scale: 'tiny'})
  const infra = resolveInfra(recipe, {nodes: 2})
  const settings = resolveSlurmSettings({runtime, image: runtime === 'pyxis' ? '/shared/images/dcbench-train-cpu.sqsh' : runtime === 'apptainer' ? '/shared/images/dcbench-train-cpu.sif' : undefined, partition: 'cpu', time: '30', requeue: true})
  return trainJob({
    manifest: {scale: 'tiny', infra, gpus: 0, threads: 2},
    settings,
    python: runtime === 'host' ? '/usr/bin/python3' : 'python3',
    trainersDir: runtime === 'host' ? '/shared/dcbench/containers/trainers' : '/opt/dcbench/trainers',
    command: ['python3', '-m', 'dcbench_trainers'],
    dataDir: '/shared/data/dclm-tiny',
    runDir: '/shared/runs/gpt-tiny',
    maxSteps: 20,
  })
}

/**
 * An official scale's job: upstream's exact argument list under torchrun,
 * one process per GPU, in the official image. bench train does not submit official scales yet; these
 * are the scripts docs/slurm.md shows.
 */
function officialJob(benchmark: string, scale: string, entry: string, set: Record<string, number>, runtime: 'pyxis' | 'apptainer'): string {
  const recipe = getRecipe({benchmark, scale})
  const infra = resolveInfra(recipe, set)
  // the argument lists official-args.test.ts holds against upstream (data at the contract's /data)
  const args = entry === 'training.main'
    ? clipTrainArgs({recipe: recipe as DataCompScaleRecipe, infra, trainData: '/data/{00000000..00001279}.tar'})
    : lmTrainArgs({recipe: recipe as DclmScaleRecipe, infra})
  const settings = resolveSlurmSettings({runtime, image: `/shared/images/${benchmark}-train.${runtime === 'pyxis' ? 'sqsh' : 'sif'}`, partition: 'gpu', account: 'dcbench', time: '2-00:00:00', requeue: true, sbatchArgs: ['--exclusive']})
  const job: SlurmTrainJob = {
    jobName: `dcbench-${scale}-run`,
    runDir: `/shared/runs/${benchmark}-${scale}`,
    outputFile: `/shared/runs/${benchmark}-${scale}/logs/slurm-%j.out`,
    nodes: infra.nodes,
    gpusPerNode: infra.gpus_per_node,
    processesPerNode: infra.gpus_per_node,
    cpusPerNode: 8 * infra.gpus_per_node,
    launch: {kind: 'torchrun', python: 'python3', launcher: 'torch.distributed.run', args: ['-m', entry, ...args]},
    env: {DCBENCH_DATA: '/data', DCBENCH_OUT: '/out', DCBENCH_RECIPE: '/out/recipe.json', DCBENCH_GPUS: String(infra.gpus_per_node), DCBENCH_THREADS: '8'},
    runtime,
    image: settings.image ?? null,
    mounts: [{host: `/shared/data/${benchmark}-${scale}`, container: '/data', mode: 'ro'}, {host: `/shared/runs/${benchmark}-${scale}`, container: '/out', mode: 'rw'}],
    containerWorkdir: '/out',
    site: settings.site,
  }
  return slurmTrainScript(job)
}

describe('the SLURM batch script', () => {
  it.each(['host', 'pyxis', 'apptainer'] as const)('tiny DCLM, 2 nodes × 1 process, runtime %s (golden)', async (runtime) => {
    const script = slurmTrainScript(jobOf(runtime))
    expect(script).toContain('#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=1\n')
    expect(script).toMatch(/\nsrun .*--nnodes=2 --nproc_per_node=1 /)
    await expect(script).toMatchFileSnapshot(golden(`tiny-dclm-${runtime}`))
  })

  it('medium DataComp on 4 nodes × 8 GPUs (pyxis) and 7b-1x DCLM on 16 nodes × 8 GPUs (apptainer) (golden)', async () => {
    const medium = officialJob('datacomp', 'medium', 'training.main', {nodes: 4, gpus_per_node: 8}, 'pyxis')
    expect(medium).toContain('#SBATCH --nodes=4\n#SBATCH --ntasks-per-node=1\n#SBATCH --gpus-per-node=8\n')
    expect(medium).toMatch(/--nproc_per_node=8 .*-m training\.main --save-frequency 0/)
    await expect(medium).toMatchFileSnapshot(golden('medium-datacomp-pyxis'))
    const lm = officialJob('dclm', '7b-1x', 'open_lm.main', {nodes: 16, gpus_per_node: 8}, 'apptainer')
    expect(lm).toContain('#SBATCH --nodes=16\n#SBATCH --ntasks-per-node=1\n#SBATCH --gpus-per-node=8\n')
    expect(lm).toContain('apptainer exec --nv --containall')
    await expect(lm).toMatchFileSnapshot(golden('7b-1x-dclm-apptainer'))
  })

  it('quotes every word it writes for bash', () => {
    expect(shellQuote('/a/b-c_d.e')).toBe('/a/b-c_d.e')
    expect(shellQuote("it's $HOME `x`")).toBe("'it'\\''s $HOME `x`'")
    expect(() => slurmTrainScript({...jobOf('host'), runDir: '/shared/runs/gpt tiny'})).toThrow(/DCB_SLURM_OPTION|#SBATCH/)
    expect(slurmTrainScript({...jobOf('host'), env: {DCBENCH_X: "a'b c"}})).toContain("export DCBENCH_X='a'\\''b c'\n")
  })
})
