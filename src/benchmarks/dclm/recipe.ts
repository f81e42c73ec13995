import {z} from 'zod'

import type {ScaleRecipe} from '../../tracks/recipe.js'
import {recipeNumber} from '../../tracks/schema.js'
import {humanCount} from '../../tracks/view.js'

const {count, nonNegativeInt, positive, fraction} = recipeNumber

/** open_lm model shape (spec dclm.md §2.2). */
export const LmModelConfig = z.strictObject({
  hidden_dim: count,
  n_layers: count,
  n_heads: count,
  seq_len: count,
  vocab_size: count,
  ffn_type: z.enum(['swiglu', 'swiglu_torch', 'gelu']),
  norm: z.string(),
  qk_norm: z.boolean(),
  positional_embedding_type: z.literal('rotary'),
  weight_tying: z.boolean(),
})

/** The frozen DCLM recipe of one scale, `common` already merged in (spec dclm.md §2). */
export const DclmRecipe = z.strictObject({
  eval_suite: z.string(),
  /** training/configs/<config_name>.json */
  config_name: z.string(),
  /** open_lm model config name. */
  model: z.string(),
  model_config: LmModelConfig,
  /** N: total parameters including embeddings (config `params`). */
  params: count,
  params_no_embed: count,
  /** tokens = 20 × params × chinchilla_multiplier. */
  chinchilla_multiplier: positive,
  /** Global batch in sequences (Hyperparameters.global_bs). */
  global_batch_size: count,
  /** Reference gradient accumulation (Hyperparameters.acc); per-run infrastructure may change it. */
  acc: count,
  lr: positive,
  /** Linear warmup, in optimizer steps. */
  warmup: nonNegativeInt,
  wd: z.number().nonnegative(),
  /** Cooldown-end learning rate (--lr-cooldown-end). */
  cd: z.number().nonnegative(),
  z_loss: z.number().nonnegative(),
  precision: z.enum(['amp_bfloat16', 'fp32']),
  grad_clip_norm: positive,
  beta1: fraction,
  beta2: fraction,
  lr_schedule: z.literal('cosine'),
  seed: nonNegativeInt,
  num_checkpoints: count,
  data_tolerate_error_p: fraction,
  data_tolerate_num_ckpts: nonNegativeInt,
  tokenizer: z.string(),
  eot_token_id: nonNegativeInt,
  fsdp_flags: z.array(z.string()),
})
export type DclmRecipe = z.infer<typeof DclmRecipe>


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

/** A DCLM scale's recipe as the tracks loader returns it. */
export type DclmScaleRecipe = ScaleRecipe<DclmRecipe, DclmDerived>

export function dclmModelSummary(scale: DclmScaleRecipe): string {
  const m = scale.recipe.model_config
  return `${scale.recipe.model} (${m.n_layers}L×${m.hidden_dim})`
}

export function dclmComputeSummary(scale: DclmScaleRecipe): string {
  return `${humanCount(scale.derived.tokens)} tokens · ${scale.derived.flops.toExponential(1)} FLOPs`
}
