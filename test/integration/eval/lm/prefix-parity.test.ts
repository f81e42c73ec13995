import {cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {partitionByCategory, readIclFile, type IclDataset} from '../../../../src/eval/lm/icl-data.js'
import {loadLmModel, type LmModel} from '../../../../src/eval/lm/model.js'
import {prepareTask} from '../../../../src/eval/lm/prompts.js'
import {scorePreparedTask, type ExampleResult} from '../../../../src/eval/lm/score.js'
import {loadLmSuite, type LmTask} from '../../../../src/eval/lm/suite.js'
import {ensureTinySuiteData} from '../../../../src/eval/lm/tiny-suite.js'
import {checkLmModel} from '../../../../src/runner/model-checks.js'
import {exportTinyGpt} from '../../../helpers/tiny-gpt.js'
import {sharedDir} from '../../../helpers/shared.js'

// The shared-prefix path (model.json onnx.with_past) against the plain path on the same random-weight
// GPT: every example's prediction (LM argmax tokens, multiple-choice / schema pick, generated text) is
// identical and every log-likelihood within 1e-4 — on every task of the tiny suite (all four ICL
// types) and on the real task files of shared/data/icl with the GPT-NeoX-20B tokenizer at 2048 tokens —
// with the graph's `positions` input (the vocabulary head only where a continuation token is predicted:
// plain-shaped calls, shared prefixes, remainders, generation) and without it (models exported before it).

interface Pair {
  plain: LmModel
  past: LmModel
}

async function load(dir: string): Promise<Pair> {
  const past = await loadLmModel(dir, {threads: 1})
  expect(past.withPast).toBeDefined()
  return {plain: await loadLmModel(dir, {threads: 1, withPast: false}), past}
}

/** Compares two runs of one task; returns the largest log-likelihood difference. */
function compare(label: string, plain: ExampleResult[], past: ExampleResult[]): number {
  expect(past).toHaveLength(plain.length)
  let worst = 0
  plain.forEach((a, i) => {
    const b = past[i]!
    const where = `${label} example ${i}`
    expect(b.correct, where).toBe(a.correct)
    if ('output' in a) expect((b as typeof a).output, where).toBe(a.output)
    else if ('pick' in a) {
      expect((b as typeof a).pick, where).toBe(a.pick)
      a.meanLosses.forEach((m, c) => (worst = Math.max(worst, Math.abs(m - (b as typeof a).meanLosses[c]!))))
    } else {
      expect((b as typeof a).predictions, where).toEqual(a.predictions)
      a.losses.forEach((l, j) => (worst = Math.max(worst, Math.abs(l - (b as typeof a).losses[j]!))))
    }
  })
  return worst
}

async function runTask(models: Pair, task: LmTask, data: IclDataset, maxSeqLen: number, source: string): Promise<{worst: number; examples: number}> {
  const settings = {stoppingCriteria: task.earlyStoppingCriteria, cotDelimiter: task.cotDelimiter, doNormalization: task.doNormalization}
  const prepared = prepareTask(data, task, {tokenizer: models.plain.tokenizer, maxSeqLen, eosTokenId: models.plain.meta.eot_token_id, source})
  const plain = await scorePreparedTask(models.plain, prepared, settings)
  // small batches: several prefix and remainder batches of mixed lengths
  const past = await scorePreparedTask(models.past, prepared, settings, {maxBatchTokens: 4 * maxSeqLen})
  expect(past.accuracy).toBe(plain.accuracy)
  return {worst: compare(task.label, plain.results, past.results), examples: plain.results.length}
}

describe('shared-prefix scoring (with-past graph) against the plain path', () => {
  let tiny: Pair
  let tinyDir: string
  // the same weights with the with-past graph as exported before its `positions` input (model.json
  // without with_past.positions): such models keep working, the head computed at every position
  let oldLayout: Pair
  let oldLayoutDir: string
  beforeAll(async () => {
    tinyDir = await exportTinyGpt({seed: 5, withPast: true})
    tiny = await load(tinyDir)
    expect(tiny.past.withPast!.positions).toBe(true)
    oldLayoutDir = await exportTinyGpt({seed: 5, withPast: true, positions: false})
    oldLayout = await load(oldLayoutDir)
    expect(oldLayout.past.withPast!.positions).toBe(false)
  }, 300_000)
  afterAll(async () => {
    for (const pair of [tiny, oldLayout]) {
      await pair?.plain.release()
      await pair?.past.release()
    }
  })

  it("bench train's post-run model check runs the with-past graph against model.onnx", async () => {
    const ok: string[] = []
    expect(await checkLmModel(tinyDir, ok)).toMatchObject({kind: 'lm', files: ['model.onnx', 'tokenizer.json', 'model_with_past.onnx']})
    expect(ok).toEqual([])
    // another model's with-past graph: same names and shapes, other weights
    const other = await exportTinyGpt({seed: 6, withPast: true})
    const copy = mkdtempSync(join(tmpdir(), 'dcbench-with-past-'))
    cpSync(tinyDir, copy, {recursive: true})
    cpSync(join(other, 'model_with_past.onnx'), join(copy, 'model_with_past.onnx'))
    const problems: string[] = []
    await checkLmModel(copy, problems)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/model_with_past\.onnx: its logits on a prefix and then the rest differ from model\.onnx's by [0-9.e-]+ \(tolerance 1e-4\)$/)
  }, 120_000)

  it('refuses a with-past graph whose names disagree with model.json, in one line', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'dcbench-with-past-'))
    cpSync(tinyDir, copy, {recursive: true})
    const meta = JSON.parse(readFileSync(join(copy, 'model.json'), 'utf8'))
    meta.onnx.with_past.layers = 3
    writeFileSync(join(copy, 'model.json'), JSON.stringify(meta))
    await expect(loadLmModel(copy)).rejects.toMatchObject({code: 'DCB_MODEL_DIR', message: expect.stringMatching(/model_with_past\.onnx: expected inputs \[input_ids, positions, past_key_values\.\{0\.\.2\}\.key\/value\]/)})
    // the plain path alone still loads it
    await (await loadLmModel(copy, {withPast: false})).release()
    // a graph with the positions input that model.json does not declare (and the reverse)
    delete meta.onnx.with_past.positions
    meta.onnx.with_past.layers = 2
    writeFileSync(join(copy, 'model.json'), JSON.stringify(meta))
    await expect(loadLmModel(copy)).rejects.toMatchObject({code: 'DCB_MODEL_DIR', message: expect.stringMatching(/^[^\n]*model_with_past\.onnx: expected inputs \[input_ids, past_key_values\.\{0\.\.1\}\.key\/value\].*positions false\), found inputs \[input_ids, positions, /)})
    cpSync(join(oldLayoutDir, 'model_with_past.onnx'), join(copy, 'model_with_past.onnx'))
    meta.onnx.with_past.positions = true
    writeFileSync(join(copy, 'model.json'), JSON.stringify(meta))
    await expect(loadLmModel(copy)).rejects.toMatchObject({code: 'DCB_MODEL_DIR', message: expect.stringMatching(/expected inputs \[input_ids, positions, past_key_values.*found inputs \[input_ids, past_key_values/)})
  })

  it('gives identical predictions and log-likelihoods within 1e-4 on every task of the tiny suite', async () => {
    const suite = loadLmSuite('dclm-tiny')
    const data = await ensureTinySuiteData(mkdtempSync(join(tmpdir(), 'dcbench-tiny-data-')), suite.synthetic!.worldSeed)
    expect(new Set(suite.tasks.map((t) => t.type))).toEqual(new Set(['language_modeling', 'multiple_choice', 'schema', 'generation_task_with_answers']))
    let worst = 0
    for (const task of suite.tasks) {
      const file = join(data, task.dataset)
      for (const pair of [tiny, oldLayout]) {
        const {worst: w, examples} = await runTask(pair, task, readIclFile(file, task.type), 128, file)
        expect(examples).toBeGreaterThan(0)
        worst = Math.max(worst, w)
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-4)
  }, 600_000)

  const icl = join(sharedDir(), 'data', 'icl')
  const tokenizer = join(sharedDir(), 'data', 'tokenizers', 'gpt-neox-20b', 'tokenizer.json')
  it.skipIf(!existsSync(icl) || !existsSync(tokenizer))('does the same on the real task files of shared/data/icl (first examples of every part)', async () => {
    const suite = loadLmSuite('dclm-53')
    const present = suite.tasks.filter((t) => existsSync(join(icl, t.dataset)))
    expect(present.length).toBeGreaterThanOrEqual(18)
    const dir = await exportTinyGpt({seed: 7, withPast: true, tokenizer, seqLen: 2048, dim: 32, layers: 2})
    const models = await load(dir)
    const types = new Set<string>()
    let worst = 0
    try {
      for (const task of present) {
        const file = join(icl, task.dataset)
        const data = readIclFile(file, task.type)
        const parts = task.hasCategories ? partitionByCategory(data, file).map((p) => p.dataset) : [data]
        for (const part of parts) {
          const cut = {...part, examples: part.examples.slice(0, 4)} as IclDataset
          const {worst: w} = await runTask(models, task, cut, 2048, file)
          worst = Math.max(worst, w)
          types.add(task.type)
        }
      }
    } finally {
      await models.plain.release()
      await models.past.release()
    }
    expect(types.has('multiple_choice') && types.has('schema') && types.has('language_modeling')).toBe(true)
    expect(worst).toBeLessThanOrEqual(1e-4)
  }, 900_000)
})
