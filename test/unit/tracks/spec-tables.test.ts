import {describe, expect, it} from 'vitest'

import {dataComp, dclm as dclmBenchmark} from '../../../src/benchmarks/builtins.js'
import {listRecipes, recipeOf} from '../../../src/tracks/index.js'
import {deriveDataComp, type DataCompScaleRecipe} from '../../../src/benchmarks/datacomp/recipe.js'
import {type DclmScaleRecipe} from '../../../src/benchmarks/dclm/recipe.js'

// The tables below are transcribed from shared/spec/datacomp.md §3.1 and shared/spec/dclm.md §2.1–2.2.
// Derived values (tokens, steps) are recomputed from their rule, not repeated as literals, except for a
// few published spot checks that pin the rule itself.

function datacomp(scale: string): DataCompScaleRecipe {
  return recipeOf(dataComp, scale)
}

function dclm(scale: string): DclmScaleRecipe {
  return recipeOf(dclmBenchmark, scale)
}

describe('DataComp recipes match spec §3.1', () => {
  const table = {
    small: {pool: 12_800_000, model: 'ViT-B-32', batch: 4096, lr: 5e-4, warmup: 500, beta2: 0.98, steps5: 3140, steps8: 3136, patch: 32, embed: 512},
    medium: {pool: 128_000_000, model: 'ViT-B-32', batch: 4096, lr: 5e-4, warmup: 500, beta2: 0.98, steps5: 31_260, steps8: 31_264, patch: 32, embed: 512},
    large: {pool: 1_280_000_000, model: 'ViT-B-16', batch: 8192, lr: 5e-4, warmup: 500, beta2: 0.98, steps5: 156_260, steps8: 156_256, patch: 16, embed: 512},
    xlarge: {pool: 12_800_000_000, model: 'ViT-L-14', batch: 90_112, lr: 1e-3, warmup: 10_000, beta2: 0.95, steps5: 142_060, steps8: 142_048, patch: 14, embed: 768},
  }

  for (const [scale, row] of Object.entries(table)) {
    it(`${scale}`, () => {
      const r = datacomp(scale)
      expect(r.status).toBe('official')
      expect(r.recipe.pool_size).toBe(row.pool)
      expect(r.recipe.samples_seen).toBe(row.pool) // samples seen = pool size at every scale
      expect(r.recipe.model).toBe(row.model)
      expect(r.recipe.model_config.patch_size).toBe(row.patch)
      expect(r.recipe.model_config.embed_dim).toBe(row.embed)
      expect(r.recipe.model_config.image_size).toBe(224)
      expect(r.recipe.model_config.context_length).toBe(77)
      expect(r.recipe.model_config.vocab_size).toBe(49_408)
      expect(r.recipe.batch_size).toBe(row.batch)
      expect(r.recipe.lr).toBe(row.lr)
      expect(r.recipe.warmup).toBe(row.warmup)
      expect(r.recipe.beta1).toBe(0.9)
      expect(r.recipe.beta2).toBe(row.beta2)
      expect(r.recipe.eps).toBe(1e-6)
      expect(r.recipe.wd).toBe(0.2)
      expect(r.recipe.num_checkpoints).toBe(5)
      expect(r.recipe.workers).toBe(4)
      expect(r.recipe.open_clip_version).toBe('2.16.1')
      expect(r.derived.nominal_steps).toBeCloseTo(row.pool / row.batch, 6)
      expect(r.derived.steps).toBe(row.steps5)
      expect(r.derived.samples_seen_actual).toBe(row.steps5 * row.batch)
      // slurm_train.sh's 8 checkpoints give a different step count: both knobs belong to the recipe.
      expect(deriveDataComp({...r.recipe, num_checkpoints: 8}).steps).toBe(row.steps8)
    })
  }

  it('small draws 12,861,440 samples after rounding (spec §0 rule 4)', () => {
    expect(datacomp('small').derived.samples_seen_actual).toBe(12_861_440)
  })

  it('xlarge trains in bf16 and the others in amp', () => {
    expect(datacomp('xlarge').recipe.precision).toBe('amp_bfloat16')
    for (const s of ['small', 'medium', 'large']) expect(datacomp(s).recipe.precision).toBe('amp')
  })

  it('debug is unofficial with scale_configs.py numbers', () => {
    const r = datacomp('debug')
    expect(r.status).toBe('unofficial')
    expect([r.recipe.model, r.recipe.batch_size, r.recipe.lr, r.recipe.samples_seen, r.recipe.warmup]).toEqual(['ViT-B-32', 1024, 1e-4, 128_000, 500])
  })

  it('tracks are filtering and byod', () => {
    expect(datacomp('small').tracks).toEqual(['filtering', 'byod'])
  })
})

describe('DCLM recipes match spec §2', () => {
  const table = {
    '400m-1x': {config: '411m_1x', model: 'd=1024_l=24_h=8', N: 411_616_256, Nne: 359_973_888, mult: 1, hidden: 1024, layers: 24, heads: 8, bs: 512, acc: 8, lr: 3e-3, warmup: 2000, wd: 0.033, z: 1e-4},
    '1b-1x': {config: '1b_1x_fast', model: 'open_lm_1b_swiglutorch', N: 1_439_795_200, Nne: 1_336_510_464, mult: 1, hidden: 2048, layers: 24, heads: 16, bs: 256, acc: 1, lr: 3e-3, warmup: 5000, wd: 0.033, z: 1e-4},
    '1b-5x': {config: '1b_1x_fast', model: 'open_lm_1b_swiglutorch', N: 1_439_795_200, Nne: 1_336_510_464, mult: 5, hidden: 2048, layers: 24, heads: 16, bs: 256, acc: 1, lr: 3e-3, warmup: 5000, wd: 0.033, z: 1e-4},
    '3b-1x': {config: '3b_1x_fast_3e-3_lr_1e-4_zloss', model: 'open_lm_3b_swiglutorch', N: 2_795_932_160, Nne: 2_666_826_240, mult: 1, hidden: 2560, layers: 32, heads: 32, bs: 256, acc: 1, lr: 3e-3, warmup: 5000, wd: 0.033, z: 1e-4},
    '7b-1x': {config: '7b_1x_fast_2e-3_lr_5e-6_zloss', model: 'open_lm_7b_swiglutorch', N: 6_889_410_560, Nne: 6_682_841_088, mult: 1, hidden: 4096, layers: 32, heads: 32, bs: 2048, acc: 2, lr: 2e-3, warmup: 5000, wd: 0.05, z: 5e-6},
    '7b-2x': {config: '7b_2x_fast_2e-3_lr_5e-6_zloss', model: 'open_lm_7b_swiglutorch', N: 6_889_410_560, Nne: 6_682_841_088, mult: 2, hidden: 4096, layers: 32, heads: 32, bs: 2048, acc: 2, lr: 2e-3, warmup: 5000, wd: 0.05, z: 5e-6},
  }

  for (const [scale, row] of Object.entries(table)) {
    it(`${scale}`, () => {
      const r = dclm(scale)
      expect(r.status).toBe(scale === '1b-5x' ? 'deprecated' : 'official')
      expect(r.recipe.config_name).toBe(row.config)
      expect(r.recipe.model).toBe(row.model)
      expect(r.recipe.params).toBe(row.N)
      expect(r.recipe.params_no_embed).toBe(row.Nne)
      expect(r.recipe.chinchilla_multiplier).toBe(row.mult)
      expect(r.derived.tokens).toBe(20 * row.N * row.mult)
      expect(r.recipe.model_config).toMatchObject({hidden_dim: row.hidden, n_layers: row.layers, n_heads: row.heads, seq_len: 2048, vocab_size: 50_432, qk_norm: true})
      expect(r.derived.d_head).toBe(row.hidden / row.heads)
      expect(r.recipe.global_batch_size).toBe(row.bs)
      expect(r.recipe.acc).toBe(row.acc)
      expect(r.recipe.lr).toBe(row.lr)
      expect(r.recipe.warmup).toBe(row.warmup)
      expect(r.recipe.wd).toBe(row.wd)
      expect(r.recipe.cd).toBe(3e-5)
      expect(r.recipe.z_loss).toBe(row.z)
      expect(r.derived.tokens_per_step).toBe(row.bs * 2048)
      expect(r.derived.steps).toBe(Math.floor((20 * row.N * row.mult) / (row.bs * 2048)))
      expect(r.derived.train_num_samples_per_checkpoint).toBe(Math.floor((20 * row.N * row.mult) / 5))
      // Common to all scales (get_open_lm_args).
      expect([r.recipe.precision, r.recipe.grad_clip_norm, r.recipe.beta2, r.recipe.seed, r.recipe.num_checkpoints]).toEqual(['amp_bfloat16', 1, 0.95, 124, 5])
      expect([r.recipe.data_tolerate_error_p, r.recipe.data_tolerate_num_ckpts, r.recipe.tokenizer]).toEqual([0.09, 0, 'EleutherAI/gpt-neox-20b'])
    })
  }

  it('published spot checks pin the rules (README table, dclm#62 log)', () => {
    expect(dclm('7b-1x').derived.tokens).toBe(137_788_211_200)
    expect(dclm('7b-2x').derived.tokens).toBe(275_576_422_400)
    expect(dclm('400m-1x').derived.tokens).toBe(8_232_325_120)
    expect(dclm('400m-1x').derived.steps).toBe(7850)
    expect(dclm('400m-1x').derived.steps * 512 * 2048).toBe(8_231_321_600)
    expect(dclm('400m-1x').derived.train_num_samples_per_checkpoint).toBe(1_646_465_024)
  })

  it('FSDP flags per scale', () => {
    expect(dclm('400m-1x').recipe.fsdp_flags).toEqual(['--fsdp', '--fsdp-amp', '--fsdp-limit-all-gathers'])
    expect(dclm('1b-1x').recipe.fsdp_flags).toContain('--fsdp-use-orig-params')
    expect(dclm('3b-1x').recipe.fsdp_flags).toContain('--fsdp-pure-bf16')
  })

  it('tracks are filtering, mixing and byod', () => {
    expect(dclm('1b-1x').tracks).toEqual(['filtering', 'mixing', 'byod'])
  })
})

describe('the tiny scales', () => {
  it('exist for both benchmarks, marked unofficial, and follow the same rules', () => {
    const tinyDc = datacomp('tiny')
    const tinyLm = dclm('tiny')
    expect(tinyDc.status).toBe('unofficial')
    expect(tinyLm.status).toBe('unofficial')
    expect(tinyLm.derived.tokens).toBe(Math.round(20 * tinyLm.recipe.params * tinyLm.recipe.chinchilla_multiplier))
    expect(tinyDc.recipe.model_config.context_length).toBe(77)
  })

  it('every scale of both benchmarks is listed once', () => {
    const names = listRecipes().map((r) => `${r.benchmark}/${r.scale}`)
    expect(names).toEqual([
      'datacomp/debug', 'datacomp/small', 'datacomp/medium', 'datacomp/large', 'datacomp/xlarge', 'datacomp/tiny',
      'dclm/400m-1x', 'dclm/1b-1x', 'dclm/1b-5x', 'dclm/3b-1x', 'dclm/7b-1x', 'dclm/7b-2x', 'dclm/tiny',
    ])
  })
})
