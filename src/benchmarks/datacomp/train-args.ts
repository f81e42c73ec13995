import type {InfraPlan} from '../../tracks/infra.js'
import type {DataCompScaleRecipe} from './recipe.js'
import {pythonFloat} from '../../util/python-json.js'

/** open_clip's default beta2 for ViT models in v2.16.1; train.py passes --beta2 only when a scale sets another. */
const OPEN_CLIP_VIT_BETA2 = 0.98

export interface ClipArgsOptions {
  recipe: DataCompScaleRecipe
  infra: InfraPlan
  /** `--train-data`: the webdataset brace pattern of the training shards (`webdatasetPattern`). */
  trainData: string
  /** `--logs`: where open_clip writes `<name>/checkpoints/` (default /out/checkpoints). */
  logs?: string
  /** `--name` (default `<scale>_scale`, train.py's default exp_name). */
  name?: string
  /** train.py --log_every_n_steps (default 100). */
  logEveryNSteps?: number
}

/**
 * The exact `training.main` argument list DataComp's train.py (mlfoundations/datacomp@4a8df199) builds
 * for a scale (datacomp spec §3.2), in its order: the recipe's numbers, the infrastructure plan's
 * per-GPU batch (global ÷ (GPUs × accumulation), integer division as train.py) and `--accum-freq`.
 * train.py's own defaults are the recipe's `workers`, `seed`, `num_checkpoints` and `precision`.
 */
export function clipTrainArgs(options: ClipArgsOptions): string[] {
  const {recipe: scale, infra} = options
  const r = scale.recipe
  const worldSize = infra.gpus_per_node * infra.nodes
  const perGpu = Math.floor(r.batch_size / (worldSize * infra.grad_accum))
  const args = [
    '--save-frequency', '0',
    '--ddp-static-graph',
    '--local-loss',
    '--gather-with-grad',
    '--grad-checkpointing',
    '--train-data', options.trainData,
    '--train-num-samples', String(Math.floor(r.samples_seen / r.num_checkpoints)),
    '--warmup', String(r.warmup),
    '--dataset-type', 'webdataset',
    '--precision', r.precision,
    '--workers', String(r.workers),
    '--model', r.model,
    '--batch-size', String(perGpu),
    '--epochs', String(r.num_checkpoints),
    '--lr', pythonFloat(r.lr),
    '--logs', options.logs ?? '/out/checkpoints',
    '--name', options.name ?? `${scale.scale}_scale`,
    '--seed', String(r.seed),
    '--accum-freq', String(infra.grad_accum),
    '--log-every-n-steps', String(options.logEveryNSteps ?? 100),
    '--save-most-recent',
    '--resume', 'latest',
    '--dataset-resampled',
  ]
  if (r.beta2 !== OPEN_CLIP_VIT_BETA2) args.push('--beta2', pythonFloat(r.beta2))
  if (r.grad_clip_norm !== null) args.push('--grad-clip-norm', pythonFloat(r.grad_clip_norm))
  return args
}

/**
 * train.py's `get_input_shards` for a folder of `.tar` files: per name prefix (the name without its
 * trailing digits), `{0…0..N}` from zero to the largest index with the width of the first name seen.
 * Several prefixes join with `::`, sorted.
 */
export function webdatasetPattern(dir: string, tarNames: readonly string[]): string {
  const byPrefix = new Map<string, string[]>()
  for (const name of tarNames) {
    if (!name.endsWith('.tar')) continue
    const stem = name.slice(0, -4)
    const digits = /\d+$/.exec(stem)
    if (!digits) throw new Error(`${name}: a training shard name must end in digits`)
    const prefix = `${dir.replace(/\/$/, '')}/${stem.slice(0, digits.index)}`
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), digits[0]])
  }
  return [...byPrefix.keys()]
    .sort()
    .map((prefix) => {
      const suffixes = byPrefix.get(prefix) as string[]
      const width = (suffixes[0] as string).length
      const last = Math.max(...suffixes.map(Number))
      return `${prefix}{${'0'.padStart(width, '0')}..${String(last).padStart(width, '0')}}.tar`
    })
    .join('::')
}
