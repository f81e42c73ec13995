import {z} from 'zod'

import type {ScaleRecipe} from '../../tracks/recipe.js'
import {recipeNumber} from '../../tracks/schema.js'
import {humanCount} from '../../tracks/view.js'

const {count, nonNegativeInt, positive, fraction} = recipeNumber

/** open_clip model shape (spec datacomp.md §3.1). */
export const ClipModelConfig = z.strictObject({
  embed_dim: count,
  image_size: count,
  patch_size: count,
  vision_width: count,
  vision_layers: count,
  vision_heads: count,
  text_width: count,
  text_layers: count,
  text_heads: count,
  /** CLIP BPE context length, 77 at every scale. */
  context_length: count,
  /** CLIP BPE vocabulary, 49,408 at every scale. */
  vocab_size: count,
})

/** The frozen DataComp recipe of one scale, `common` already merged in (spec datacomp.md §3). */
export const DataCompRecipe = z.strictObject({
  open_clip_version: z.string(),
  /** Key of the evaluation suite in evaluators/ that scores this scale. */
  eval_suite: z.string(),
  /** Candidate pool size. */
  pool_size: count,
  /** train.py's train_num_samples: the sample budget, whatever the subset size. */
  samples_seen: count,
  /** open_clip model name. */
  model: z.string(),
  model_config: ClipModelConfig,
  /** Global batch size (all GPUs, all accumulation steps). */
  batch_size: count,
  /** Peak learning rate. */
  lr: positive,
  /** Linear warmup, in optimizer steps. */
  warmup: nonNegativeInt,
  wd: z.number().nonnegative(),
  beta1: fraction,
  beta2: fraction,
  eps: positive,
  precision: z.enum(['amp', 'amp_bfloat16', 'fp32']),
  /** Pseudo-epochs: train_num_samples is split into this many checkpoint intervals. */
  num_checkpoints: count,
  /** Data-loader workers: batches per epoch are rounded up to a multiple of it. */
  workers: count,
  seed: nonNegativeInt,
  grad_clip_norm: positive.nullable(),
  lr_schedule: z.literal('cosine'),
  dataset_resampled: z.boolean(),
  shuffle_buffer: nonNegativeInt,
  shuffle_initial: nonNegativeInt,
  loss: z.literal('clip_infonce'),
  logit_scale_init: z.number(),
  logit_scale_max: z.number(),
  weight_decay_exclude: z.array(z.string()),
  grad_checkpointing: z.boolean(),
  train_transform: z.strictObject({
    random_resized_crop_scale: z.tuple([fraction, fraction]),
    interpolation: z.literal('bicubic'),
    image_mean: z.tuple([fraction, fraction, fraction]),
    image_std: z.tuple([fraction, fraction, fraction]),
  }),
})
export type DataCompRecipe = z.infer<typeof DataCompRecipe>


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


/** A DataComp scale's recipe as the tracks loader returns it. */
export type DataCompScaleRecipe = ScaleRecipe<DataCompRecipe, DataCompDerived>

export function dataCompModelSummary(scale: DataCompScaleRecipe): string {
  return scale.recipe.model
}

export function dataCompComputeSummary(scale: DataCompScaleRecipe): string {
  const macs = typeof scale.info.train_macs === 'number' ? ` · ${scale.info.train_macs.toExponential(1)} MACs (paper, unverified)` : ''
  return `${humanCount(scale.recipe.samples_seen)} samples · ${scale.derived.steps} steps${macs}`
}
