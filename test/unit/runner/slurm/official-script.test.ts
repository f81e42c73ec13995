import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {getBenchmark} from '../../../../src/benchmarks/registry.js'
import {isDcbError} from '../../../../src/errors.js'
import {officialImageWorkdir} from '../../../../src/runner/official-image.js'
import {OFFICIAL_RUNTIMES} from '../../../../src/runner/slurm/official-script.js'
import {trainInfrastructure, usesOfficialTrainer} from '../../../../src/runner/train/infrastructure.js'
import {officialPlan} from '../../../../src/runner/train/official-plan.js'
import {planSlurmScript} from '../../../../src/runner/train/slurm-plan.js'
import {listRecipes} from '../../../../src/tracks/registry.js'
import {runWithFakeSlurm} from '../../../helpers/fake-slurm-tasks.js'
import {goldenDirs, goldenFile, goldenSettings} from '../../../helpers/slurm-golden.js'

// The batch script of every official scale × container runtime, as `bench train --executor slurm
// --dry-run --json` prints it (`sbatch_script`), held byte for byte in test/fixtures/slurm/golden/
// (`npx vitest run test/unit/runner/slurm/official-script.test.ts -u` rewrites them after a deliberate
// change; test/integration/slurm/official-dry-run.test.ts compares the built CLI's output with them).
// [unverified] No GPU, pyxis or Apptainer here: the scripts are held, parsed by bash -n, and run with
// stand-ins for srun, scontrol, apptainer and the trainer (test/helpers/fake-slurm-tasks.ts).

const OFFICIAL = listRecipes().filter(usesOfficialTrainer)
const CASES = OFFICIAL.flatMap((recipe) => OFFICIAL_RUNTIMES.map((runtime) => ({benchmark: recipe.benchmark, scale: recipe.scale, runtime})))

async function script(benchmark: string, scale: string, runtime: string, set: Record<string, number> = {}): Promise<{text: string; upstreamArgs: string[]; entryPoint: string; nodes: number; perNode: number}> {
  const recipe = OFFICIAL.find((r) => r.benchmark === benchmark && r.scale === scale)
  if (!recipe) throw new Error(`no ${benchmark} ${scale}`)
  const options = {benchmark, scale, ...goldenDirs(benchmark, scale), executor: 'slurm' as const, set, slurm: goldenSettings(benchmark, runtime)}
  const {infra, gpus} = trainInfrastructure(options, recipe)
  const official = officialPlan(getBenchmark(benchmark), recipe, infra, options.dataDir, false)
  const plan = await planSlurmScript({options, recipe, infra, gpus, official, dataDir: options.dataDir, runDir: options.runDir, warnings: []})
  return {text: plan.sbatchScript, upstreamArgs: official.upstreamArgs, entryPoint: official.entryPoint, nodes: infra.nodes, perNode: infra.gpus_per_node}
}

describe('the official scales\' SLURM batch scripts', () => {
  it('cover every official DataComp and DCLM scale', () => {
    expect(OFFICIAL.map((r) => `${r.benchmark}/${r.scale}`).sort()).toEqual(['datacomp/debug', 'datacomp/large', 'datacomp/medium', 'datacomp/small', 'datacomp/xlarge', 'dclm/1b-1x', 'dclm/1b-5x', 'dclm/3b-1x', 'dclm/400m-1x', 'dclm/7b-1x', 'dclm/7b-2x'])
  })

  it.each(CASES)('$benchmark $scale, runtime $runtime: golden, bash -n, and each task gets upstream_args and its ranks', async ({benchmark, scale, runtime}) => {
    const {text, upstreamArgs, entryPoint, nodes, perNode} = await script(benchmark, scale, runtime)
    expect(text).toContain(`#SBATCH --nodes=${nodes}\n#SBATCH --ntasks-per-node=${perNode}\n#SBATCH --gpus-per-node=${perNode}\n#SBATCH --cpus-per-task=`)
    await expect(text).toMatchFileSnapshot(goldenFile(benchmark, scale, runtime))
    const syntax = await execa('bash', ['-n'], {input: text, reject: false})
    expect(syntax.exitCode, syntax.stderr).toBe(0)

    const run = await runWithFakeSlurm(text, nodes)
    expect(run.exitCode, run.stdout).toBe(0)
    const world = nodes * perNode
    expect([...run.tasks.keys()].sort((a, b) => a - b)).toEqual(world === 1 ? [0] : [0, world - 1])
    for (const [rank, task] of run.tasks) {
      expect(task.argv).toEqual(['-m', entryPoint, ...upstreamArgs])
      // what open_clip's / open_lm's world_info_from_env and init_process_group('env://') read
      expect(task.env).toMatchObject({RANK: String(rank), LOCAL_RANK: String(rank % perNode), WORLD_SIZE: String(world), MASTER_ADDR: '10.1.0.7', PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '1'})
      expect(Number(task.env.MASTER_PORT)).toBeGreaterThan(0)
    }
    expect(run.stdout).toContain('# dcbench: job 4242 (restart 0) on gpu-[a-b], rendezvous 10.1.0.7:')
  })

  it('splits the global batch over nodes × GPUs as --set says: medium on 4 × 8 (pyxis), 7b-1x on 16 × 8 (apptainer)', async () => {
    const medium = await script('datacomp', 'medium', 'pyxis', {nodes: 4})
    // DataComp's --batch-size is per GPU: 4096 / (4 × 8)
    expect(medium.upstreamArgs.join(' ')).toContain('--batch-size 128 ')
    await expect(medium.text).toMatchFileSnapshot(goldenFile('datacomp', 'medium', 'pyxis', 4))
    const lm = await script('dclm', '7b-1x', 'apptainer', {nodes: 16})
    await expect(lm.text).toMatchFileSnapshot(goldenFile('dclm', '7b-1x', 'apptainer', 16))
    for (const each of [medium, lm]) {
      const run = await runWithFakeSlurm(each.text, each.nodes)
      const last = run.tasks.get(each.nodes * each.perNode - 1)
      expect(last?.env).toMatchObject({RANK: String(each.nodes * each.perNode - 1), LOCAL_RANK: '7', WORLD_SIZE: String(each.nodes * each.perNode)})
      expect(last?.argv).toEqual(['-m', each.entryPoint, ...each.upstreamArgs])
    }
  })

  it('runs upstream in the image\'s working directory (DCLM\'s relative --model) and refuses the host runtime', async () => {
    expect(officialImageWorkdir('lm')).toBe('/opt/dclm')
    expect(officialImageWorkdir('clip')).toBe('/tmp')
    expect((await script('dclm', '400m-1x', 'pyxis')).text).toContain('--container-workdir=/opt/dclm ')
    expect((await script('dclm', '400m-1x', 'apptainer')).text).toContain('--pwd /opt/dclm ')
    const error = await script('datacomp', 'small', 'host').catch((e: unknown) => e)
    expect(isDcbError(error) && error.code).toBe('DCB_SLURM_OPTION')
    expect(String((error as Error).message)).toMatch(/--runtime host: .*official clip image.*--runtime pyxis or apptainer/)
  })

  it('on USR1 stops the step and requeues the job (upstream resumes from its last epoch checkpoint)', async () => {
    const {text} = await script('datacomp', 'small', 'pyxis')
    expect(text).toContain('trap on_usr1 USR1')
    expect(text).toContain('scontrol requeue "$SLURM_JOB_ID"')
    expect(text).toContain('--resume latest')
  })
})
