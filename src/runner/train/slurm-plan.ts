import {join} from 'node:path'

import {DcbError} from '../../errors.js'
import type {InfraPlan} from '../../tracks/infra.js'
import type {ScaleRecipe} from '../../tracks/recipe.js'
import {findHostPython} from '../host-python.js'
import {officialCpusPerTask, officialSlurmScript} from '../slurm/official-script.js'
import {DEFAULT_SLURM_SETTINGS} from '../slurm/site.js'
import {trainScript} from '../slurm/train-job.js'
import {packageRoot} from '../../util/paths.js'
import {TINY_TRAINER_COMMAND} from './executor-choice.js'
import type {OfficialPlan} from './official-plan.js'
import type {TrainOptions} from './types.js'

/**
 * The SLURM part of `bench train --executor slurm --dry-run`: the batch script a submission would write
 * (`sbatch_script`) and the CPUs it asks for. It reads no cluster, data or GPU: the script is a pure
 * function of the recipe, the split and the site's options (the golden tests hold it).
 */

export interface SlurmPlanInputs {
  options: TrainOptions
  recipe: ScaleRecipe
  infra: InfraPlan
  gpus: number
  official: OfficialPlan | null
  dataDir: string
  runDir: string
  warnings: string[]
}

export interface SlurmPlan {
  sbatchScript: string
  /** CPUs per node the job asks for (tasks per node × `--cpus-per-task`). */
  threads: number
}

export async function planSlurmScript(inputs: SlurmPlanInputs): Promise<SlurmPlan> {
  const {options, recipe, infra, official} = inputs
  const settings = options.slurm ?? DEFAULT_SLURM_SETTINGS
  if (official?.smoke) {
    throw new DcbError('DCB_USAGE', `--smoke runs ${recipe.benchmark} ${recipe.scale}'s upstream trainer on one CPU in Docker; --executor slurm runs it on GPU nodes: drop --smoke or --executor slurm`)
  }
  if (official) {
    const sbatchScript = officialSlurmScript({scale: recipe.scale, image: official.image, entryPoint: official.entryPoint, upstreamArgs: official.upstreamArgs, infra, threads: options.threads, settings, dataDir: inputs.dataDir, runDir: inputs.runDir})
    inputs.warnings.push(`bench train does not submit ${recipe.benchmark} ${recipe.scale} to SLURM itself yet (the official wrapper's export runs on one node): submit sbatch_script with sbatch; [unverified] on GPUs, pyxis and Apptainer`)
    return {sbatchScript, threads: officialCpusPerTask({threads: options.threads, infra, upstreamArgs: official.upstreamArgs}) * infra.gpus_per_node}
  }
  // the tiny trainers: what src/runner/train/executor-choice.ts gives a submitted job
  const threads = options.threads ?? infra.gpus_per_node
  let python = 'python3'
  let trainersDir = '/opt/dcbench/trainers'
  if (settings.runtime === 'host') {
    const found = await findHostPython()
    if (found?.torch && found.numpy) python = found.path
    else inputs.warnings.push(`no python3 with torch and numpy on this machine: the script names python3; a submission would refuse to start here`)
    trainersDir = options.trainersDir ?? join(packageRoot(), 'containers/trainers')
  }
  const manifest = {scale: recipe.scale, infra, gpus: inputs.gpus, threads}
  const sbatchScript = trainScript({manifest, settings, python, trainersDir, command: TINY_TRAINER_COMMAND, dataDir: inputs.dataDir, runDir: inputs.runDir, maxSteps: options.maxSteps})
  return {sbatchScript, threads}
}

