import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {beforeAll, describe, expect, it} from 'vitest'

import {repoRoot, runBenchJson} from '../../helpers/cli.js'
import {officialSmokeImage} from '../../helpers/official-images.js'

/**
 * Done-when line 1 of issue 16: `bench train --dry-run --json` for every official DataComp and DCLM
 * scale gives `upstream_args` that the real upstream parser accepts — open_clip 2.16.1's
 * `training.params.parse_args` and open_lm 9bb92ef's `open_lm.params.parse_args`, run inside the
 * smoke images, which hold exactly the pinned sources — and the parsed values are the official
 * numbers. The expected numbers are written out here from the specs (shared/spec/datacomp.md §3,
 * dclm.md §2), not derived from dcbench's code. The dry run needs neither data nor GPUs.
 */

const PARSER = readFileSync(join(repoRoot, 'test/helpers/parse_upstream_args.py'), 'utf8')

interface Plan {
  upstream_args: string[]
  gpus: number
  entry_point: string
  warnings: string[]
}

async function plan(benchmark: string, scale: string): Promise<Plan> {
  const dir = mkdtempSync(join(tmpdir(), 'dcbench-plan-'))
  const result = await runBenchJson<Plan>(['train', '--benchmark', benchmark, '--scale', scale, '--data', join(dir, 'no-data'), '--out', join(dir, 'run'), '--dry-run'])
  expect(result.exitCode, result.stderr).toBe(0)
  return result.json
}

/** Every list parsed by the upstream parser in the image, in one container. */
async function parseInImage(image: string, kind: 'clip' | 'lm', lists: Record<string, string[]>): Promise<Record<string, Record<string, unknown>>> {
  const result = await execa('docker', ['run', '--rm', '-i', '--network', 'none', '--entrypoint', 'python3', image, '-c', PARSER, kind], {input: JSON.stringify(lists), reject: false})
  expect(result.exitCode, `upstream parser refused an argument list:\n${result.stderr}`).toBe(0)
  return JSON.parse(result.stdout) as Record<string, Record<string, unknown>>
}

/** DataComp's scale table (datacomp spec §3.1) and train.py's fixed flags (§3.2). */
const DATACOMP: Record<string, {model: string; samples: number; batch: number; lr: number; warmup: number; beta2: number; precision: string}> = {
  small: {model: 'ViT-B-32', samples: 12_800_000, batch: 4096, lr: 5e-4, warmup: 500, beta2: 0.98, precision: 'amp'},
  medium: {model: 'ViT-B-32', samples: 128_000_000, batch: 4096, lr: 5e-4, warmup: 500, beta2: 0.98, precision: 'amp'},
  large: {model: 'ViT-B-16', samples: 1_280_000_000, batch: 8192, lr: 5e-4, warmup: 500, beta2: 0.98, precision: 'amp'},
  // slurm_train.sh forces amp_bfloat16 at xlarge (PR #47), and train.py passes --beta2 0.95 there
  xlarge: {model: 'ViT-L-14', samples: 12_800_000_000, batch: 90_112, lr: 1e-3, warmup: 10_000, beta2: 0.95, precision: 'amp_bfloat16'},
}

/** DCLM's per-scale table (dclm spec §2.1–2.2) and get_open_lm_args's fixed flags. */
const DCLM: Record<string, {model: string; tokens: number; batch: number; accum: number; lr: number; warmup: number; wd: number; zloss: number; fsdp: string[]}> = {
  '400m-1x': {model: 'd=1024_l=24_h=8', tokens: 8_232_325_120, batch: 512, accum: 8, lr: 3e-3, warmup: 2000, wd: 0.033, zloss: 1e-4, fsdp: ['fsdp', 'fsdp_amp', 'fsdp_limit_all_gathers']},
  '1b-1x': {model: 'open_lm_1b_swiglutorch', tokens: 28_795_904_000, batch: 256, accum: 1, lr: 3e-3, warmup: 5000, wd: 0.033, zloss: 1e-4, fsdp: ['fsdp', 'fsdp_amp', 'fsdp_limit_all_gathers', 'fsdp_use_orig_params']},
  '1b-5x': {model: 'open_lm_1b_swiglutorch', tokens: 143_979_520_000, batch: 256, accum: 1, lr: 3e-3, warmup: 5000, wd: 0.033, zloss: 1e-4, fsdp: ['fsdp', 'fsdp_amp', 'fsdp_limit_all_gathers', 'fsdp_use_orig_params']},
  '3b-1x': {model: 'open_lm_3b_swiglutorch', tokens: 55_918_643_200, batch: 256, accum: 1, lr: 3e-3, warmup: 5000, wd: 0.033, zloss: 1e-4, fsdp: ['fsdp', 'fsdp_limit_all_gathers', 'fsdp_pure_bf16', 'fsdp_use_orig_params']},
  '7b-1x': {model: 'open_lm_7b_swiglutorch', tokens: 137_788_211_200, batch: 2048, accum: 2, lr: 2e-3, warmup: 5000, wd: 0.05, zloss: 5e-6, fsdp: ['fsdp', 'fsdp_limit_all_gathers', 'fsdp_pure_bf16', 'fsdp_use_orig_params']},
  '7b-2x': {model: 'open_lm_7b_swiglutorch', tokens: 275_576_422_400, batch: 2048, accum: 2, lr: 2e-3, warmup: 5000, wd: 0.05, zloss: 5e-6, fsdp: ['fsdp', 'fsdp_limit_all_gathers', 'fsdp_pure_bf16', 'fsdp_use_orig_params']},
}
const ALL_FSDP = ['fsdp', 'fsdp_amp', 'fsdp_pure_bf16', 'fsdp_limit_all_gathers', 'fsdp_use_orig_params']

describe('the official argument lists through the real upstream parsers', () => {
  let clipImage: string
  let lmImage: string
  beforeAll(async () => {
    clipImage = await officialSmokeImage('clip')
    lmImage = await officialSmokeImage('lm')
  }, 900_000)

  it("open_clip 2.16.1 parses every DataComp scale's list to the official numbers", async () => {
    const plans = Object.fromEntries(await Promise.all(Object.keys(DATACOMP).map(async (scale) => [scale, await plan('datacomp', scale)] as const)))
    for (const p of Object.values(plans)) expect(p.entry_point).toBe('training.main')
    const parsed = await parseInImage(clipImage, 'clip', Object.fromEntries(Object.entries(plans).map(([scale, p]) => [scale, p.upstream_args])))
    for (const [scale, want] of Object.entries(DATACOMP)) {
      const args = parsed[scale] as Record<string, any>
      const gpus = plans[scale]!.gpus
      expect(gpus, scale).toBeGreaterThan(0)
      expect({scale, ...pick(args, ['model', 'lr', 'warmup', 'beta2', 'precision', 'epochs', 'train_num_samples', 'wd', 'beta1', 'eps', 'seed', 'workers', 'dataset_type', 'dataset_resampled', 'save_frequency', 'save_most_recent', 'resume', 'local_loss', 'gather_with_grad', 'grad_checkpointing', 'ddp_static_graph', 'grad_clip_norm', 'accum_freq'])}).toEqual({
        scale,
        model: want.model, lr: want.lr, warmup: want.warmup, beta2: want.beta2, precision: want.precision,
        // pseudo-epochs = checkpoints (5), each train_num_samples // 5 samples
        epochs: 5, train_num_samples: Math.floor(want.samples / 5),
        // open_clip's defaults for ViT models, which DataComp never overrides
        wd: 0.2, beta1: 0.9, eps: 1e-6,
        seed: 0, workers: 4, dataset_type: 'webdataset', dataset_resampled: true, save_frequency: 0, save_most_recent: true, resume: 'latest',
        local_loss: true, gather_with_grad: true, grad_checkpointing: true, ddp_static_graph: true, grad_clip_norm: null, accum_freq: 1,
      })
      // --batch-size is per GPU: the global batch over the scale's GPUs
      expect(args.batch_size * gpus * args.accum_freq, scale).toBe(want.batch)
    }
  }, 600_000)

  it("open_lm 9bb92ef parses every DCLM scale's list to the official numbers", async () => {
    const plans = Object.fromEntries(await Promise.all(Object.keys(DCLM).map(async (scale) => [scale, await plan('dclm', scale)] as const)))
    for (const p of Object.values(plans)) expect(p.entry_point).toBe('open_lm.main')
    const parsed = await parseInImage(lmImage, 'lm', Object.fromEntries(Object.entries(plans).map(([scale, p]) => [scale, p.upstream_args])))
    for (const [scale, want] of Object.entries(DCLM)) {
      const args = parsed[scale] as Record<string, any>
      expect(String(args.model), scale).toMatch(new RegExp(`(^|/)${want.model.replace(/[.=]/g, '\\$&')}(\\.json)?$`))
      expect({scale, ...pick(args, ['global_batch_size', 'accum_freq', 'lr', 'warmup', 'wd', 'z_loss_coefficient', 'lr_cooldown_end', 'train_num_samples', 'epochs', 'precision', 'grad_clip_norm', 'beta2', 'model_norm', 'qk_norm', 'seed', 'data_tolerate_error_p', 'data_tolerate_num_ckpts', 'resume', 'dataset_manifest'])}).toEqual({
        scale,
        global_batch_size: want.batch, accum_freq: want.accum, lr: want.lr, warmup: want.warmup, wd: want.wd, z_loss_coefficient: want.zloss,
        lr_cooldown_end: 3e-5,
        // --train-num-samples is tokens per checkpoint interval: tokens // 5
        train_num_samples: Math.floor(want.tokens / 5), epochs: 5,
        precision: 'amp_bfloat16', grad_clip_norm: 1, beta2: 0.95, model_norm: 'gain_only_lp_layer_norm', qk_norm: true, seed: 124,
        data_tolerate_error_p: 0.09, data_tolerate_num_ckpts: 0, resume: 'latest', dataset_manifest: ['/data/manifest.jsonl'],
      })
      expect(ALL_FSDP.filter((flag) => args[flag] === true), scale).toEqual([...want.fsdp].sort((a, b) => ALL_FSDP.indexOf(a) - ALL_FSDP.indexOf(b)))
    }
  }, 600_000)
})

function pick(object: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, object[key] === undefined ? '<absent>' : object[key]]))
}
