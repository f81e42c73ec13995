import {existsSync} from 'node:fs'
import {join} from 'node:path'

import type {Benchmark} from '../../benchmarks/benchmark.js'
import {DcbError} from '../../errors.js'
import type {InfraPlan} from '../../tracks/infra.js'
import type {ScaleRecipe} from '../../tracks/recipe.js'
import {packageRoot} from '../../util/paths.js'
import {ensureCpuImageForTrain} from '../cpu-image.js'
import {containersWithLabel, dockerAvailable, dockerClient, localImageId, noDockerEngine} from '../executors/docker.js'
import {findHostPython} from '../host-python.js'
import {pythonFixHint} from '../../doctor/python-hint.js'
import {DEFAULT_SLURM_SETTINGS, type SlurmSettings} from '../slurm/site.js'
import type {RunPins} from '../../contracts/run-manifest.js'
import {buildCommand, ensureOfficialImage, officialPins} from '../official-image.js'
import type {OfficialPlan} from './official-plan.js'
import {officialSubmissionRefused} from '../slurm/official-script.js'
import type {TrainOptions} from './types.js'

/**
 * Step 2 of `train()`: where the trainer runs and what it runs — the Docker engine with the scale's
 * image (the tiny CPU image, or the official image with the upstream trainer's exact arguments), or
 * the host's python3 for the tiny scale.
 */

/** The trainer command of dcbench's CPU image (and of the local executor). */
export const TINY_TRAINER_COMMAND = ['python3', '-m', 'dcbench_trainers']

/** Label keys by which bench finds its containers (docs/containers.md). */
export const LABELS = {run: 'ai.dcbench.run', benchmark: 'ai.dcbench.benchmark', scale: 'ai.dcbench.scale', harnessVersion: 'ai.dcbench.harness-version'} as const

/** What one attempt runs, and where. */
export type Execution =
  | {executor: 'docker'; image: string; imageDigest: string; command: string[]; pins: RunPins | null; /** null: the image's WORKDIR (the official images resolve paths there). */ workingDir: string | null}
  | {executor: 'local'; image: null; imageDigest: null; command: string[]; pins: null; python: string; trainersDir: string}
  /** A SLURM job: `python` and `trainersDir` as the nodes see them (the host runtime), or the runtime's image. */
  | {executor: 'slurm'; image: string | null; imageDigest: null; command: string[]; pins: null; python: string; trainersDir: string; settings: SlurmSettings}

export interface ChooseExecutionInputs {
  options: TrainOptions
  benchmark: Benchmark
  recipe: ScaleRecipe
  infra: InfraPlan
  dataDir: string
  runDir: string
  /** The official image, wrapper command and argument list (official scales; null for tiny). */
  official: OfficialPlan | null
  /** Receives remarks for the user (e.g. why the local executor was chosen). */
  notes: string[]
}

export async function chooseExecution(inputs: ChooseExecutionInputs): Promise<Execution> {
  const {options, recipe} = inputs
  if (options.executor === 'slurm') return slurmExecution(inputs)
  let executor = await chooseExecutor(options, inputs.benchmark, recipe, inputs.notes)
  if (executor === 'docker') {
    try {
      const {image, imageDigest, pins} = await resolveImage(options, inputs.official, options.onProgress)
      const command = options.command ?? inputs.official?.command ?? TINY_TRAINER_COMMAND
      await refuseConcurrentRun(inputs.runDir)
      return {executor, image, imageDigest, command, pins, workingDir: inputs.official ? null : '/tmp'}
    } catch (error) {
      // auto on tiny: a host without a buildable CPU image (no debootstrap, no mirror) still trains
      if ((options.executor ?? 'auto') !== 'auto' || recipe.scale !== 'tiny' || !(error instanceof DcbError) || error.code === 'DCB_RUN_BUSY') throw error
      inputs.notes.push(`no CPU training image (${error.message}): training with the host python3 (--executor local)`)
      executor = 'local'
    }
  }
  return {executor, image: null, imageDigest: null, command: options.command ?? TINY_TRAINER_COMMAND, pins: null, python: await localPython(), trainersDir: trainersDir(options)}
}

/**
 * `--executor slurm`: the tiny trainers under torchrun on every node. With the host runtime the nodes run
 * this host's python3 and trainer code, so they must see the same paths (a shared file system, as
 * clusters have); the container runtimes run the image's python3 and trainers.
 */
async function slurmExecution(inputs: ChooseExecutionInputs): Promise<Execution> {
  const {options, recipe} = inputs
  const settings: SlurmSettings = options.slurm ?? DEFAULT_SLURM_SETTINGS
  // official scales never get here: train() refuses their submission first (officialSubmissionRefused)
  if (inputs.official) throw officialSubmissionRefused(recipe)
  if (options.command) throw new DcbError('DCB_USAGE', '--executor slurm runs the trainers under torchrun; another trainer command is not supported')
  const command = TINY_TRAINER_COMMAND
  if (settings.runtime === 'host') {
    return {executor: 'slurm', image: null, imageDigest: null, command, pins: null, python: await localPython(), trainersDir: trainersDir(options), settings}
  }
  return {executor: 'slurm', image: settings.image ?? null, imageDigest: null, command, pins: null, python: 'python3', trainersDir: '/opt/dcbench/trainers', settings}
}

async function chooseExecutor(options: TrainOptions, benchmark: Benchmark, recipe: ScaleRecipe, notes: string[]): Promise<'docker' | 'local'> {
  const choice = options.executor ?? 'auto'
  if (choice === 'docker' || (choice === 'auto' && recipe.scale !== 'tiny')) {
    if (!(await dockerAvailable())) {
      throw noDockerEngine()
    }
    return 'docker'
  }
  if (choice === 'local') {
    if (recipe.scale !== 'tiny') {
      throw new DcbError('DCB_LOCAL_EXECUTOR_SCALE', `the local executor trains only the tiny scale; ${recipe.benchmark} ${recipe.scale} runs in its GPU image`, {
        suggestions: [`--executor docker (the official ${benchmark.training?.official.image} image, docs/official.md)`],
      })
    }
    return 'local'
  }
  if (await dockerAvailable()) return 'docker'
  notes.push('the Docker engine does not answer: training with the host python3 (--executor local)')
  return 'local'
}

/**
 * The image of an attempt: --image as given; the tiny CPU image (built when missing); or the official
 * image — its smoke build (built offline when missing) or its GPU build (never built here). The pins
 * recorded in run.json are the official image's sources.lock entries, checked against its label.
 */
async function resolveImage(options: TrainOptions, official: OfficialPlan | null, onProgress: TrainOptions['onProgress']): Promise<{image: string; imageDigest: string; pins: RunPins | null}> {
  if (options.image) {
    const id = await localImageId(options.image)
    if (!id) throw new DcbError('DCB_NO_IMAGE', `image ${options.image} is not in the local Docker engine`)
    return {image: options.image, imageDigest: id, pins: null}
  }
  if (!official) {
    const ensure = options.ensureImage ?? ensureCpuImageForTrain
    const built = await ensure((message) => onProgress?.({phase: 'image', message}))
    return {image: built.tag, imageDigest: built.imageId, pins: null}
  }
  const image = await ensureOfficialImage({image: official.image, variant: official.variant, vendor: options.vendor, onProgress: (message) => onProgress?.({phase: 'image', message})})
  const pins = officialPins(official.image)
  const label = image.labels['ai.dcbench.pins']
  const expected = Object.fromEntries(Object.entries(pins).map(([name, pin]) => [name, `${pin.version}@${pin.commit.slice(0, 12)}`]))
  if (label !== undefined && label !== JSON.stringify(expected)) {
    throw new DcbError('DCB_NO_IMAGE', `image ${image.tag}: label ai.dcbench.pins ${label} differs from containers/official/sources.lock ${JSON.stringify(expected)}`, {
      suggestions: [`rebuild it: ${buildCommand(official.image, official.variant)}`],
    })
  }
  return {image: image.tag, imageDigest: image.imageId, pins}
}

/** A container of this run still running means another bench train is on it; leftovers are removed. */
async function refuseConcurrentRun(runDir: string): Promise<void> {
  const docker = dockerClient()
  for (const info of await containersWithLabel(LABELS.run, runDir, docker)) {
    if (info.State === 'running') {
      throw new DcbError('DCB_RUN_BUSY', `run ${runDir}: container ${info.Id.slice(0, 12)} is already training it`, {
        suggestions: [`wait for it, or stop it: docker stop ${info.Id.slice(0, 12)}`],
      })
    }
    await docker.getContainer(info.Id).remove({force: true}).catch(() => {})
  }
}

async function localPython(): Promise<string> {
  const python = await findHostPython()
  if (!python?.torch || !python.numpy) {
    throw new DcbError('DCB_NO_TORCH', python ? `${python.path} (python ${python.version}) cannot import ${python.torch ? 'numpy' : 'torch'}` : 'no python3 found on this host', {
      suggestions: [`${pythonFixHint(python)}; or use --executor docker`],
    })
  }
  return python.path
}

function trainersDir(options: TrainOptions): string {
  const dir = options.trainersDir ?? join(packageRoot(), 'containers/trainers')
  if (!existsSync(join(dir, 'dcbench_trainers'))) {
    throw new DcbError('DCB_NO_TRAINERS', `${dir}: no dcbench_trainers package; this dcbench ships without its trainer code`)
  }
  return dir
}
