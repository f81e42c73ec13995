import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'
import {officialSmokeImage} from '../../helpers/official-images.js'
import {makeDataCompPool, makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {sharedDir} from '../../helpers/shared.js'
import {compareSmokeClip} from '../../helpers/smoke-clip-compare.js'
import {compareSmokeLm, lastCheckpoint} from '../../helpers/smoke-lm-compare.js'
import {reshard} from '../../../src/runner/reshard/index.js'

/**
 * Issue 16's smoke runs in CI: from the cached smoke images, `bench train --smoke` runs DataComp's
 * small and DCLM's 400m-1x argument lists through the real upstream trainers (open_clip 2.16.1,
 * open_lm 9bb92ef) for 10 optimizer steps on real `bench reshard` output, exports RUN/model/ (torch vs
 * onnxruntime within 1e-4, fp32), and `bench submit` refuses both. Then the exported LM is evaluated by
 * `bench eval` and its per-example choices compared with open_lm's own model on the run's checkpoint;
 * the exported CLIP likewise with open_clip's own model (zero-shot classification, retrieval, WinoGAViL).
 * Both trainings take most of this file's minutes (docs/official.md, "Smoke runs").
 */

const GPT_NEOX = join(sharedDir(), 'data', 'tokenizers', 'gpt-neox-20b', 'tokenizer.json')
const STEP_LIMIT = 1_500_000

interface TrainJson {
  exit_status: string
  steps: number | null
  steps_total: number | null
  final_loss: number | null
  image: string | null
  seconds: number
}

let root: string
let clipImage: string
let lmImage: string
let clipData: string
let lmData: string
let lmRun: string
let clipRun: string
const minutes: Record<string, number> = {}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-smoke-runs-'))
  chmodSync(root, 0o755)
  clipImage = await officialSmokeImage('clip')
  lmImage = await officialSmokeImage('lm')
  // DataComp: one reshard shard of 256 samples; --dataset-resampled draws the 4,096-sample steps from it
  const {uids} = await makeDataCompPool(join(root, 'clip-pool'), {perShard: 256})
  await writeSubsetNpy(join(root, 'clip.npy'), new Map(uids.map((u) => [u, 1])))
  clipData = join(root, 'clip-data')
  await reshard({benchmark: 'datacomp', scale: 'small', subsetFile: join(root, 'clip.npy'), poolDir: join(root, 'clip-pool'), outDir: clipData})
  // DCLM: 400m-1x's 2,049-token contexts (open_lm crops each to the smoke model's 17); two pseudo-epochs
  // of 2,560 contexts need 5,120, so the subset repeats a small pool's documents 1,300 times
  const {ids} = await makeDclmPool(join(root, 'lm-pool'), 8000)
  await writeSubsetNpy(join(root, 'lm.npy'), new Map(ids.map((u) => [u, 1300])))
  lmData = join(root, 'lm-data')
  const tokenized = await reshard({benchmark: 'dclm', scale: '400m-1x', tokenizerFile: GPT_NEOX, subsetFile: join(root, 'lm.npy'), poolDir: join(root, 'lm-pool'), outDir: lmData})
  expect(tokenized.sequences).toBeGreaterThanOrEqual(5120)
}, 1_800_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
  // the measured minutes, for docs/official.md
  console.log(`smoke runs: ${JSON.stringify(minutes)}`)
})

/** Trains a smoke run and checks what every smoke run must leave behind. */
async function smokeRun(benchmark: string, scale: string, data: string, image: string): Promise<string> {
  const run = join(root, `${benchmark}-run`)
  const started = Date.now()
  const result = await runBenchJson<TrainJson>(['train', '--benchmark', benchmark, '--scale', scale, '--smoke', '--data', data, '--out', run])
  minutes[`${benchmark} ${scale}`] = Math.round((Date.now() - started) / 600) / 100
  expect(result.exitCode, result.stderr).toBe(0)
  expect(result.json).toMatchObject({exit_status: 'complete', steps: 10, steps_total: 10, image})

  const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as Record<string, any>
  expect(manifest).toMatchObject({benchmark, scale, exit_status: 'complete', image})
  expect(manifest.smoke.processes).toBe(1)
  const overridden = (manifest.smoke.overrides as {flag: string}[]).map((o) => o.flag)
  expect(overridden).toEqual(expect.arrayContaining(['--model', '--train-num-samples', '--epochs', '--workers']))
  // every step upstream logged reached metrics.jsonl, the last one the tenth
  const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {step: number; loss: number})
  expect(metrics.at(-1)!.step).toBe(10)
  for (const m of metrics) expect(Number.isFinite(m.loss)).toBe(true)
  lastCheckpoint(run)

  // RUN/model/ is exported by the wrapper and checked in onnxruntime against torch
  const model = JSON.parse(readFileSync(join(run, 'model', 'model.json'), 'utf8')) as Record<string, any>
  expect(model.smoke).toBeTruthy()
  expect(model.onnx_check.tolerance).toBe(1e-4)
  const diffs = Object.values(model.onnx_check.max_abs_diff as Record<string, number>)
  expect(diffs.length).toBeGreaterThan(0)
  for (const diff of diffs) expect(diff).toBeLessThanOrEqual(1e-4)

  // bench submit refuses the run and its model
  const keys = await runBenchJson<{private_key_file: string}>(['keys', 'generate', '--out', join(root, `${benchmark}-keys`), '--name', 'smoke'])
  const evalFile = join(root, `${benchmark}-eval.jsonl`)
  writeFileSync(evalFile, '')
  const common = ['--eval', evalFile, '--key', keys.json.private_key_file, '--method', 'smoke']
  const byRun = await runBench(['submit', '--run', run, '--out', join(root, `${benchmark}-a.json`), ...common])
  expect(byRun.exitCode, byRun.stderr).toBe(2)
  expect(byRun.stderr).toMatch(/^error \[DCB_SUBMIT_SMOKE\]: .*run\.json: a smoke run/m)
  const byModel = await runBench(['submit', '--model', join(run, 'model'), '--out', join(root, `${benchmark}-b.json`), ...common])
  expect(byModel.exitCode, byModel.stderr).toBe(2)
  expect(byModel.stderr).toMatch(/^error \[DCB_SUBMIT_SMOKE\]: .*model\.json: the model of a smoke run/m)
  return run
}

describe('bench train --smoke through the real upstream trainers', () => {
  it('DataComp small: open_clip 2.16.1, 10 steps of 4,096 samples, exported within 1e-4, refused by submit', async () => {
    clipRun = await smokeRun('datacomp', 'small', clipData, clipImage)
  }, STEP_LIMIT)

  it('DCLM 400m-1x: open_lm 9bb92ef, 10 steps of 512 x 16 tokens, exported within 1e-4, refused by submit', async () => {
    lmRun = await smokeRun('dclm', '400m-1x', lmData, lmImage)
  }, STEP_LIMIT)
})

describe('bench eval of the smoke LM, example by example against open_lm in PyTorch', () => {
  it('multiple choice, schema and language modelling: the same choice wherever the margin exceeds 1e-4', async () => {
    expect(lmRun, 'the DCLM smoke run').toBeDefined()
    const report = await compareSmokeLm({run: lmRun, image: lmImage, dir: join(root, 'lm-compare')})
    console.log(`smoke LM per-example comparison: ${JSON.stringify(report)}`)
    for (const [label, counts] of Object.entries(report)) {
      expect(counts.mismatches, label).toEqual([])
      expect(counts.compared, label).toBeGreaterThan(0)
    }
  }, 900_000)
})

describe('bench eval of the smoke CLIP, example by example against open_clip in PyTorch', () => {
  it('zero-shot classification, retrieval and WinoGAViL: the same decision wherever the margin exceeds 1e-4', async () => {
    expect(clipRun, 'the DataComp smoke run').toBeDefined()
    const report = await compareSmokeClip({run: clipRun, image: clipImage, dir: join(root, 'clip-compare')})
    console.log(`smoke CLIP per-example comparison: ${JSON.stringify(report)}`)
    for (const [key, counts] of Object.entries(report)) {
      expect(counts.mismatches, key).toEqual([])
      expect(counts.compared, key).toBeGreaterThan(0)
    }
  }, 600_000)
})
