import {describe, expect, it} from 'vitest'

import {clipTrainArgs, webdatasetPattern} from '../../../src/benchmarks/datacomp/train-args.js'
import {dclmRunName, lmTrainArgs} from '../../../src/benchmarks/dclm/train-args.js'
import {pythonFloat} from '../../../src/util/python-json.js'
import {getRecipe, resolveInfra} from '../../../src/tracks/index.js'
import {type DataCompScaleRecipe} from '../../../src/benchmarks/datacomp/recipe.js'
import {type DclmScaleRecipe} from '../../../src/benchmarks/dclm/recipe.js'

// Expected lists are written out from the spec (datacomp.md §3, dclm.md §2) and the upstream code it
// cites (datacomp train.py main_args; dclm training/params.py get_open_lm_args), not computed.

function clip(scale: string): DataCompScaleRecipe {
  return getRecipe({benchmark: 'datacomp', scale}) as DataCompScaleRecipe
}
function lm(scale: string): DclmScaleRecipe {
  return getRecipe({benchmark: 'dclm', scale}) as DclmScaleRecipe
}

describe('pythonFloat', () => {
  it('prints numbers as Python str() does', () => {
    expect([5e-4, 1e-4, 1e-3, 3e-3, 2e-3, 3e-5, 5e-6, 0.95, 0.98, 0.033, 0.09, 1, 5, 0.2, 1e16, 123456.5].map(pythonFloat)).toEqual([
      '0.0005', '0.0001', '0.001', '0.003', '0.002', '3e-05', '5e-06', '0.95', '0.98', '0.033', '0.09', '1.0', '5.0', '0.2', '1e+16', '123456.5',
    ])
  })
})

describe('DataComp train.py arguments', () => {
  const data = '/data/{00000000..00001279}.tar'
  it('small on one node of 8 GPUs: train.py main_args, in order', () => {
    const recipe = clip('small')
    const args = clipTrainArgs({recipe, infra: resolveInfra(recipe, {gpus_per_node: 8}), trainData: data})
    expect(args).toEqual([
      '--save-frequency', '0', '--ddp-static-graph', '--local-loss', '--gather-with-grad', '--grad-checkpointing',
      '--train-data', data, '--train-num-samples', '2560000', '--warmup', '500', '--dataset-type', 'webdataset',
      '--precision', 'amp', '--workers', '4', '--model', 'ViT-B-32', '--batch-size', '512', '--epochs', '5',
      '--lr', '0.0005', '--logs', '/out/checkpoints', '--name', 'small_scale', '--seed', '0', '--accum-freq', '1',
      '--log-every-n-steps', '100', '--save-most-recent', '--resume', 'latest', '--dataset-resampled',
    ])
  })

  it('xlarge passes --beta2 0.95 and splits the 90,112 batch over GPUs and accumulation', () => {
    const recipe = clip('xlarge')
    const args = clipTrainArgs({recipe, infra: resolveInfra(recipe, {gpus_per_node: 8, nodes: 8, grad_accum: 2}), trainData: data})
    const value = (flag: string) => args[args.indexOf(flag) + 1]
    expect(value('--batch-size')).toBe('704') // 90112 / (64 × 2)
    expect(value('--accum-freq')).toBe('2')
    expect(value('--model')).toBe('ViT-L-14')
    expect(value('--precision')).toBe('amp_bfloat16')
    expect(value('--lr')).toBe('0.001')
    expect(value('--warmup')).toBe('10000')
    expect(value('--train-num-samples')).toBe('2560000000')
    expect(args.slice(-2)).toEqual(['--beta2', '0.95'])
    expect(clipTrainArgs({recipe: clip('medium'), infra: resolveInfra(clip('medium')), trainData: data})).not.toContain('--beta2')
  })

  it('builds the brace pattern of a folder of resharded tars as get_input_shards', () => {
    expect(webdatasetPattern('/data', ['00000002.tar', '00000000.tar', '00000001.tar', '00000000_stats.json'])).toBe('/data/{00000000..00000002}.tar')
    expect(webdatasetPattern('/data/', ['b_07.tar', 'a_0.tar', 'b_02.tar'])).toBe('/data/a_{0..0}.tar::/data/b_{00..07}.tar')
  })
})

describe('DCLM get_open_lm_args', () => {
  it('400m-1x: the whole list, in order', () => {
    const recipe = lm('400m-1x')
    const name = 'dcbench-d=1024_l=24_h=8-warm=2000-lr=0p003-wd=0p033-cd=3e-05-bs=512-mult=1-seed=124-tokens=8232325120'
    expect(lmTrainArgs({recipe, infra: resolveInfra(recipe)})).toEqual([
      '--workers', '2', '--precision', 'amp_bfloat16', '--global-batch-size', '512', '--log-every-n-steps', '20',
      '--grad-clip-norm', '1', '--lr', '0.003', '--warmup', '2000', '--model', 'training/open_lm_configs/d=1024_l=24_h=8.json',
      '--wd', '0.033', '--beta2', '0.95', '--epochs', '5', '--resume', 'latest', '--seed', '124', '--accum-freq', '8',
      '--model-norm', 'gain_only_lp_layer_norm', '--delete-previous-checkpoint', '--lr-cooldown-end', '3e-05',
      '--logs', '/out/checkpoints', '--attn-name', 'auto', '--log-logit-mean', '--data-tolerate-error-p', '0.09',
      '--data-tolerate-num-ckpts', '0', '--train-num-samples', '1646465024', '--dataset-manifest', '/data/manifest.jsonl',
      '--data-key', 'json.gz', '--name', name, '--fsdp', '--fsdp-amp', '--fsdp-limit-all-gathers', '--qk-norm', '--z-loss', '0.0001',
    ])
  })

  it('7b-2x and 1b-5x: z-loss, FSDP flags, token budgets and run names', () => {
    const seven = lmTrainArgs({recipe: lm('7b-2x'), infra: resolveInfra(lm('7b-2x')), datasetName: 'dclm_baseline'})
    const value = (args: string[], flag: string) => args[args.indexOf(flag) + 1]
    expect(value(seven, '--z-loss')).toBe('5e-06')
    expect(value(seven, '--lr')).toBe('0.002')
    expect(value(seven, '--wd')).toBe('0.05')
    expect(value(seven, '--accum-freq')).toBe('2')
    expect(value(seven, '--train-num-samples')).toBe(String(Math.floor(275_576_422_400 / 5)))
    expect(seven).toContain('--fsdp-pure-bf16')
    expect(value(seven, '--name')).toBe('dclm_baseline-open_lm_7b_swiglutorch-warm=5000-lr=0p002-wd=0p05-cd=3e-05-bs=2048-mult=2-seed=124-tokens=275576422400')
    expect(dclmRunName(lm('1b-5x'), 'x')).toBe('x-open_lm_1b_swiglutorch-warm=5000-lr=0p003-wd=0p033-cd=3e-05-bs=256-mult=5p0-seed=124-tokens=143979520000')
  })
})
