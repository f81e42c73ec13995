import {z} from 'zod'

/** The two competitions dcbench runs. */
export const BENCHMARKS = ['datacomp', 'dclm'] as const
export type Benchmark = (typeof BENCHMARKS)[number]

const count = z.number().int().positive()
const nonNegativeInt = z.number().int().nonnegative()
const positive = z.number().positive()
const fraction = z.number().min(0).max(1)

/** official: a competition scale; unofficial: dcbench's own or a debug scale; deprecated: kept to compare old results. */
export const ScaleStatus = z.enum(['official', 'unofficial', 'deprecated'])
export type ScaleStatus = z.infer<typeof ScaleStatus>

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

/** One scale entry of a tracks file, before `common` is merged into `recipe`. */
const ScaleEntry = z.strictObject({
  status: ScaleStatus,
  /** Descriptive, not part of the frozen recipe or its hash. */
  info: z.record(z.string(), z.unknown()).default({}),
  recipe: z.record(z.string(), z.unknown()),
})

/** A whole tracks/<benchmark>.yaml file. */
export const TracksFile = z.strictObject({
  benchmark: z.enum(BENCHMARKS),
  /** Where the numbers come from. */
  source: z.string(),
  /** Track name → one-line description. */
  tracks: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.string()).refine((t) => Object.keys(t).length > 0, 'at least one track'),
  /** Settings shared by every scale, merged under each scale's recipe. */
  common: z.record(z.string(), z.unknown()).default({}),
  /** Holds YAML anchors; never read. */
  anchors: z.unknown().optional(),
  scales: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), ScaleEntry),
})
export type TracksFile = z.infer<typeof TracksFile>

export const RECIPE_SCHEMAS = {datacomp: DataCompRecipe, dclm: DclmRecipe} as const
