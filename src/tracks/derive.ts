import type {DataCompRecipe, DclmRecipe} from './schema.js'

/** Numbers that follow from a DataComp recipe (spec datacomp.md §3.1–3.2). */
export interface DataCompDerived {
  /** --train-num-samples passed to open_clip: samples per checkpoint interval (pseudo-epoch). */
  train_num_samples_per_checkpoint: number
  /** samples_seen / batch_size, before any rounding. */
  nominal_steps: number
  /** Optimizer steps per pseudo-epoch after open_clip's rounding. */
  steps_per_checkpoint: number
  /** Total optimizer steps. */
  steps: number
  /** Samples actually drawn: steps × batch_size (slightly above samples_seen). */
  samples_seen_actual: number
}

/**
 * open_clip v2.16.1 get_wds_dataset: batches per epoch = ceil(samples / global batch), rounded up to a
 * multiple of the data-loader workers; epochs = num_checkpoints. That is why 5 vs 8 checkpoints give
 * 3,140 vs 3,136 steps at small.
 */
export function deriveDataComp(recipe: DataCompRecipe): DataCompDerived {
  const perCheckpoint = Math.floor(recipe.samples_seen / recipe.num_checkpoints)
  const batches = Math.ceil(perCheckpoint / recipe.batch_size)
  const stepsPerCheckpoint = Math.ceil(batches / recipe.workers) * recipe.workers
  const steps = stepsPerCheckpoint * recipe.num_checkpoints
  return {
    train_num_samples_per_checkpoint: perCheckpoint,
    nominal_steps: recipe.samples_seen / recipe.batch_size,
    steps_per_checkpoint: stepsPerCheckpoint,
    steps,
    samples_seen_actual: steps * recipe.batch_size,
  }
}

/** Numbers that follow from a DCLM recipe (spec dclm.md §2). */
export interface DclmDerived {
  /** D = 20 × N × multiplier (Hyperparameters.update_config). */
  tokens: number
  /** Tokens per optimizer step: global batch × sequence length. */
  tokens_per_step: number
  /** ⌊tokens / tokens_per_step⌋. Exact open_lm rounding per checkpoint interval is [unverified]. */
  steps: number
  /** --train-num-samples passed to open_lm: tokens per checkpoint interval. */
  train_num_samples_per_checkpoint: number
  /** Attention head width. */
  d_head: number
  /** 6·N·D training FLOPs. */
  flops: number
}

export function deriveDclm(recipe: DclmRecipe): DclmDerived {
  // int(tokens * chinchilla_multiplier) in DCLM's Python; exact for the integer multipliers, and
  // rounded to the nearest integer first so a fractional multiplier cannot leave 0.9999… behind.
  const tokens = Math.floor(Math.round(20 * recipe.params * recipe.chinchilla_multiplier * 1e6) / 1e6)
  const tokensPerStep = recipe.global_batch_size * recipe.model_config.seq_len
  return {
    tokens,
    tokens_per_step: tokensPerStep,
    steps: Math.floor(tokens / tokensPerStep),
    train_num_samples_per_checkpoint: Math.floor(tokens / recipe.num_checkpoints),
    d_head: recipe.model_config.hidden_dim / recipe.model_config.n_heads,
    flops: 6 * recipe.params * tokens,
  }
}
