import {existsSync} from 'node:fs'
import {availableParallelism, totalmem} from 'node:os'
import {resolve} from 'node:path'

import {getBenchmark} from '../../benchmarks/registry.js'
import type {RunPins, SmokeRun} from '../../contracts/run-manifest.js'
import {DcbError, isDcbError} from '../../errors.js'
import type {InfraPlan} from '../../tracks/infra.js'
import {getRecipe} from '../../tracks/registry.js'
import {cpuImageInputs} from '../cpu-image.js'
import {containerBinds, containerEnvironment, dockerAvailable, localImageId} from '../executors/docker.js'
import {hostGpus} from '../gpus.js'
import {buildCommand, officialImageTag, officialPins} from '../official-image.js'
import {TINY_TRAINER_COMMAND} from './executor-choice.js'
import {trainInfrastructure, usesOfficialTrainer} from './infrastructure.js'
import {officialPlan} from './official-plan.js'
import {planSlurmScript} from './slurm-plan.js'
import type {TrainOptions} from './types.js'

/**
 * `bench train --dry-run`: the whole plan of a run without running it — executor, image, mounts,
 * environment, GPUs and, at official scales, `upstream_args`, the exact argument list the upstream
 * entry point would receive. It reads nothing it does not need: on a machine without the data, the
 * GPUs, the image or a Docker engine it still answers, with a warning for each.
 */
export interface TrainPlan {
  benchmark: string
  scale: string
  track: string
  recipe_hash: string
  smoke: boolean
  /** `slurm` with `--executor slurm` (then `sbatch_script` is the batch script); else `docker`. */
  executor: 'docker' | 'slurm'
  image: {tag: string; variant: 'cpu' | 'smoke' | 'gpu'; present: boolean | null; id: string | null; build_command: string}
  /** The module upstream runs (`training.main`, `open_lm.main`); null for the tiny trainers. */
  entry_point: string | null
  /** The container command (the official images' wrapper, then the argument list). */
  command: string[]
  /** The exact argument list given to the entry point; null for the tiny trainers. */
  upstream_args: string[] | null
  smoke_overrides: SmokeRun['overrides'] | null
  /** Files the run writes into its folder before the trainer starts (a smoke run's model config). */
  files: string[]
  mounts: {host: string; container: string; mode: 'ro' | 'rw'}[]
  environment: Record<string, string>
  gpus: number
  infra: InfraPlan
  threads: number
  memory_bytes: number
  pins: RunPins | null
  warnings: string[]
  /** `--executor slurm`: the batch script a submission writes to RUN/slurm/train.sbatch (docs/slurm.md). */
  sbatch_script?: string
}

export async function planTrain(options: TrainOptions): Promise<TrainPlan> {
  const benchmark = getBenchmark(options.benchmark)
  const recipe = getRecipe({benchmark: options.benchmark, scale: options.scale, track: options.track, tracksDir: options.tracksDir})
  const training = benchmark.training
  if (!training) throw new DcbError('DCB_NOT_AVAILABLE', `benchmark '${benchmark.id}' has no trainer`)
  const warnings: string[] = []
  const dataDir = resolve(options.dataDir)
  const runDir = resolve(options.runDir)
  const {infra, gpus} = trainInfrastructure(options, recipe)
  if (!existsSync(dataDir)) {
    warnings.push(`${dataDir}: not found on this machine; the plan shows what a run would give the trainer once it is there`)
  } else {
    try {
      training.readData(dataDir, recipe)
    } catch (error) {
      if (!isDcbError(error)) throw error
      warnings.push(error.message)
    }
  }
  const official = usesOfficialTrainer(recipe) ? officialPlan(benchmark, recipe, infra, dataDir, options.smoke === true) : null
  const docker = await dockerAvailable()
  if (!docker) warnings.push('the Docker engine does not answer on this machine: the image was not looked up')
  let image: TrainPlan['image']
  if (official) {
    const tag = options.image ?? (await officialImageTag(official.image, official.variant))
    const id = docker ? ((await localImageId(tag)) ?? null) : null
    image = {tag, variant: official.variant, present: docker ? id !== null : null, id, build_command: buildCommand(official.image, official.variant)}
    if (docker && id === null) warnings.push(`image ${tag} is not in the local Docker engine: ${official.variant === 'smoke' ? 'bench train builds it first' : 'build it where a registry is reachable'} (${image.build_command})`)
  } else {
    const tag = options.image ?? cpuImageInputs().tag
    const id = docker ? ((await localImageId(tag)) ?? null) : null
    image = {tag, variant: 'cpu', present: docker ? id !== null : null, id, build_command: 'containers/cpu/build.sh'}
  }
  const slurm = options.executor === 'slurm' ? await planSlurmScript({options, recipe, infra, gpus, official, dataDir, runDir, warnings}) : null
  if (gpus > 0 && !slurm) {
    const found = await hostGpus()
    if (found.count < gpus) warnings.push(`the plan gives the container ${gpus} GPU${gpus === 1 ? '' : 's'}, but this machine shows ${found.count} (${found.detail}): bench train would refuse to start here`)
  }
  const threads = slurm?.threads ?? options.threads ?? availableParallelism()
  const env = containerEnvironment({DCBENCH_THREADS: String(threads), DCBENCH_GPUS: String(gpus)})
  return {
    benchmark: recipe.benchmark,
    scale: recipe.scale,
    track: options.track ?? 'filtering',
    recipe_hash: recipe.hash,
    smoke: official?.smoke !== null && official !== null,
    executor: slurm ? 'slurm' : 'docker',
    image,
    entry_point: official?.entryPoint ?? null,
    command: options.command ?? official?.command ?? TINY_TRAINER_COMMAND,
    upstream_args: official?.upstreamArgs ?? null,
    smoke_overrides: official?.smoke?.overrides ?? null,
    files: Object.keys(official?.files ?? {}),
    mounts: containerBinds({dataDir, runDir}).map((bind) => {
      const [host, container, mode] = bind.split(':') as [string, string, 'ro' | 'rw']
      return {host, container, mode}
    }),
    environment: env,
    gpus,
    infra,
    threads,
    memory_bytes: options.memoryBytes ?? Math.floor(totalmem() * 0.8),
    pins: official ? officialPins(official.image) : null,
    warnings,
    ...(slurm ? {sbatch_script: slurm.sbatchScript} : {}),
  }
}
