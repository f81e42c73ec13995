import type {InfraPlan} from '../../tracks/infra.js'
import type {DclmScaleRecipe} from './recipe.js'
import {pythonFloat, pythonNumber} from '../../util/python-json.js'

export interface LmArgsOptions {
  recipe: DclmScaleRecipe
  infra: InfraPlan
  /** `--dataset-manifest` (default /data/manifest.jsonl). */
  manifest?: string
  /** `--logs` (default /out/checkpoints). */
  logs?: string
  /** The dataset's name in the run name (DCLM: the tokenized dataset JSON's `name`). */
  datasetName?: string
  /** DCLM's `--workers` (params.py default 2). */
  workers?: number
  /** The open_lm model config folder inside the image (DCLM's training/open_lm_configs). */
  modelConfigDir?: string
}

/** `sanitize_for_fs` of DCLM's hyperparameters.py. */
function sanitize(value: string): string {
  return value.replace(/\./g, 'p').replace(/\//g, '-')
}

/**
 * DCLM's `Hyperparameters.get_friendly_name`: the run name open_lm writes under `--logs`. The
 * multiplier prints as the config's JSON integer, except where DCLM's README passes
 * `--chinchilla-multiplier` (a float) on top of a 1× config, as for 1b-5x.
 */
export function dclmRunName(scale: DclmScaleRecipe, datasetName: string): string {
  const r = scale.recipe
  const multiplierFromCli = r.config_name === '1b_1x_fast' && r.chinchilla_multiplier !== 1
  const parts = [
    datasetName,
    r.model,
    `warm=${sanitize(String(r.warmup))}`,
    `lr=${sanitize(pythonFloat(r.lr))}`,
    `wd=${sanitize(pythonFloat(r.wd))}`,
    `cd=${sanitize(pythonFloat(r.cd))}`,
    `bs=${sanitize(String(r.global_batch_size))}`,
    `mult=${sanitize(pythonNumber(r.chinchilla_multiplier, multiplierFromCli || !Number.isInteger(r.chinchilla_multiplier) ? 'float' : 'int'))}`,
    `seed=${sanitize(String(r.seed))}`,
    `tokens=${sanitize(String(scale.derived.tokens))}`,
  ]
  let name = parts.join('-')
  if (r.model_config.norm !== 'gain_only_lp_layer_norm') name += `-norm=${sanitize(r.model_config.norm)}`
  if (r.model_config.vocab_size !== 50432) name += `-vocab=${sanitize(String(r.model_config.vocab_size))}`
  return name
}

/**
 * The exact `open_lm.main` argument list DCLM's `training/params.py::get_open_lm_args`
 * (mlfoundations/dclm@361714bd) builds when training a scale without evaluation (dclm spec §2.2), in
 * its order. `--accum-freq` is the infrastructure plan's (the recipe's `acc` unless the run changes the
 * split); the global batch never changes.
 */
export function lmTrainArgs(options: LmArgsOptions): string[] {
  const {recipe: scale, infra} = options
  const r = scale.recipe
  const configDir = options.modelConfigDir ?? 'training/open_lm_configs'
  const args = [
    '--workers', String(options.workers ?? 2),
    '--precision', r.precision,
    '--global-batch-size', String(r.global_batch_size),
    '--log-every-n-steps', '20',
    '--grad-clip-norm', String(r.grad_clip_norm),
    '--lr', pythonFloat(r.lr),
    '--warmup', String(r.warmup),
    '--model', `${configDir}/${r.model}.json`,
    '--wd', pythonFloat(r.wd),
    '--beta2', pythonFloat(r.beta2),
    '--epochs', String(r.num_checkpoints),
    '--resume', 'latest',
    '--seed', String(r.seed),
    '--accum-freq', String(infra.grad_accum),
    '--model-norm', r.model_config.norm,
    '--delete-previous-checkpoint',
    '--lr-cooldown-end', pythonFloat(r.cd),
    '--logs', options.logs ?? '/out/checkpoints',
    '--attn-name', 'auto',
    '--log-logit-mean',
    '--data-tolerate-error-p', pythonFloat(r.data_tolerate_error_p),
    '--data-tolerate-num-ckpts', String(r.data_tolerate_num_ckpts),
    '--train-num-samples', String(Math.floor(scale.derived.tokens / r.num_checkpoints)),
    '--dataset-manifest', options.manifest ?? '/data/manifest.jsonl',
    '--data-key', 'json.gz',
    '--name', dclmRunName(scale, options.datasetName ?? 'dcbench'),
    ...r.fsdp_flags,
  ]
  if (r.model_config.qk_norm) args.push('--qk-norm')
  if (r.z_loss > 0) args.push('--z-loss', pythonFloat(r.z_loss))
  return args
}
