import {DcbError} from '../../errors.js'
import {resolveInfra, type InfraPlan} from '../../tracks/infra.js'
import type {ScaleRecipe} from '../../tracks/recipe.js'
import type {TrainOptions} from './types.js'

/**
 * A run's infrastructure: which trainer a scale uses, the GPUs it gets, and its batch split
 * (docs/official.md, "GPUs").
 */

/** Whether a scale trains with the upstream trainer in an official image (every scale but `tiny`). */
export function usesOfficialTrainer(recipe: ScaleRecipe): boolean {
  return recipe.scale !== 'tiny'
}

/** The GPUs a scale's recipe plans a run with (`info.gpus` in tracks/*.yaml; 1 where it says none). */
export function recipeGpus(recipe: ScaleRecipe): number {
  const gpus = recipe.info.gpus
  return typeof gpus === 'number' && Number.isInteger(gpus) && gpus > 0 ? gpus : 1
}

/**
 * The run's infrastructure split and the GPUs its container asks for. `--gpus N` is the short form
 * of `--set gpus_per_node=N`; both are checked like `bench tracks show --set` (the recipe hash does
 * not change). Official scales default to the recipe's GPUs and refuse none; a smoke run is one CPU
 * process (the global batch on it). One executor runs one machine, so a split over several nodes is
 * refused here.
 */
export function trainInfrastructure(options: Pick<TrainOptions, 'gpus' | 'set' | 'smoke' | 'maxSteps' | 'executor'>, recipe: ScaleRecipe): {infra: InfraPlan; gpus: number} {
  const set: Record<string, unknown> = {...options.set}
  const official = usesOfficialTrainer(recipe)
  const what = `${recipe.benchmark} ${recipe.scale}`
  if (options.smoke) {
    if (!official) throw new DcbError('DCB_USAGE', `--smoke runs an official scale's upstream trainer on CPU; ${what} already trains on CPU with dcbench's own trainer`)
    if ((options.gpus ?? 0) > 0 || set.gpus_per_node !== undefined || set.nodes !== undefined) {
      throw new DcbError('DCB_USAGE', `--smoke runs one CPU process; drop --gpus / --set gpus_per_node / --set nodes`)
    }
    return {infra: resolveInfra(recipe, {...set, gpus_per_node: 1, nodes: 1}), gpus: 0}
  }
  if (official && options.maxSteps !== undefined) {
    throw new DcbError('DCB_USAGE', `--max-steps: ${what} trains with the upstream trainer, which checkpoints only when a pseudo-epoch ends, so it cannot stop at a step and resume there`, {
      suggestions: [`bench train --smoke runs ${what}'s argument list for ten steps on CPU`],
    })
  }
  let gpus = options.gpus ?? (set.gpus_per_node === undefined ? (official ? recipeGpus(recipe) : 0) : Number(set.gpus_per_node))
  if (official && gpus === 0) {
    throw new DcbError('DCB_NO_GPU', `${what} trains on GPUs (the recipe plans ${recipeGpus(recipe)}); --gpus 0 is refused`, {
      suggestions: [`--smoke runs its upstream trainer on CPU for ten steps; --dry-run shows the plan`],
    })
  }
  if (gpus > 0) {
    if (set.gpus_per_node !== undefined && Number(set.gpus_per_node) !== gpus) {
      throw new DcbError('DCB_USAGE', `--gpus ${gpus} and --set gpus_per_node=${String(set.gpus_per_node)} disagree; give one of them`)
    }
    set.gpus_per_node = gpus
  }
  const infra = resolveInfra(recipe, set)
  if (infra.nodes > 1 && options.executor !== 'slurm') {
    throw new DcbError('DCB_USAGE', `--set nodes=${infra.nodes}: the docker and local executors run on one machine; a split over several nodes needs a cluster executor (--executor slurm)`)
  }
  gpus = gpus > 0 || set.gpus_per_node === undefined ? gpus : infra.gpus_per_node
  return {infra, gpus}
}
