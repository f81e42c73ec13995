import type {ScaleStatus} from './schema.js'

/** What every benchmark's frozen recipe has: the eval suite that scores it (a key under evaluators/). */
export interface RecipeBase {
  eval_suite: string
}

/**
 * One benchmark's frozen recipe at one compute scale, as loaded from tracks/<benchmark>.yaml. `R` and
 * `D` are the benchmark's recipe and derived numbers (its adapter's `recipe.schema` and `derive`).
 */
export interface ScaleRecipe<R = RecipeBase, D = object> {
  benchmark: string
  /** Where this recipe was read from. */
  file: string
  scale: string
  status: ScaleStatus
  /** Valid tracks for this benchmark. */
  tracks: string[]
  /** Descriptive fields (not hashed). */
  info: Record<string, unknown>
  recipe: R
  derived: D
  /** sha256 of the canonical JSON of {benchmark, scale, recipe, derived}. */
  hash: string
}

/** How one run spreads the frozen global batch: gpus_per_node × nodes × per_device_batch_size × grad_accum = global batch. */
export interface InfraPlan {
  gpus_per_node: number
  nodes: number
  per_device_batch_size: number
  grad_accum: number
  /** The recipe's global batch, unchanged. */
  global_batch_size: number
}
