import {describe, expect, it} from 'vitest'

import {slurmTrainScript, shellQuote, type SlurmTrainJob} from '../../../../src/runner/slurm/script.js'
import {resolveSlurmSettings} from '../../../../src/runner/slurm/site.js'
import {trainJob} from '../../../../src/runner/slurm/train-job.js'
import {getRecipe, resolveInfra} from '../../../../src/tracks/index.js'
import {runWithFakeSlurm} from '../../../helpers/fake-slurm-tasks.js'

// The batch scripts the SLURM executor writes for the tiny scale, held as golden files (__golden__/,
// `vitest -u` rewrites them after a deliberate change; the official scales' scripts are held by
// official-script.test.ts). host is run on a real cluster by test/integration/slurm; pyxis and
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

describe('the SLURM batch script', () => {
  it.each(['host', 'pyxis', 'apptainer'] as const)('tiny DCLM, 2 nodes × 1 process, runtime %s (golden)', async (runtime) => {
    const script = slurmTrainScript(jobOf(runtime))
    expect(script).toContain('#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=1\n')
    expect(script).toMatch(/\nsrun .*--nnodes=2 --nproc_per_node=1 /)
    await expect(script).toMatchFileSnapshot(golden(`tiny-dclm-${runtime}`))
  })

  it('quotes every word it writes for bash', () => {
    expect(shellQuote('/a/b-c_d.e')).toBe('/a/b-c_d.e')
    expect(shellQuote("it's $HOME `x`")).toBe("'it'\\''s $HOME `x`'")
    expect(() => slurmTrainScript({...jobOf('host'), runDir: '/shared/runs/gpt tiny'})).toThrow(/DCB_SLURM_OPTION|#SBATCH/)
    expect(slurmTrainScript({...jobOf('host'), env: {DCBENCH_X: "a'b c"}})).toContain("export DCBENCH_X='a'\\''b c'\n")
  })

  it('apptainer: each node\'s launcher gets its SLURM_NODEID, the rendezvous and the contract\'s DCBENCH_* inside the container (stand-ins for srun, scontrol and Apptainer)', async () => {
    const job = jobOf('apptainer')
    const {tasks, stdout, exitCode} = await runWithFakeSlurm(slurmTrainScript(job), 2)
    expect(exitCode, stdout).toBe(0)
    expect([...tasks.keys()].sort()).toEqual([0, 1])
    for (const [node, task] of tasks) {
      expect(task.argv).toContain(`--node_rank=${node}`)
      expect(task.argv).toContain('--master_addr=10.1.0.7')
      for (const [name, value] of Object.entries(job.env)) expect(task.env[name], name).toBe(value)
    }
  })
})
