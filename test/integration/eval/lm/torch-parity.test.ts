import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readIclFile} from '../../../../src/eval/lm/icl-data.js'
import {loadLmModel, type LmModel} from '../../../../src/eval/lm/model.js'
import {prepareTask, type ScoredSequence} from '../../../../src/eval/lm/prompts.js'
import {generateGreedy, scorePreparedTask, scoreSequences} from '../../../../src/eval/lm/score.js'
import {loadLmSuite} from '../../../../src/eval/lm/suite.js'
import {ensureTinySuiteData} from '../../../../src/eval/lm/tiny-suite.js'
import {exportTinyGpt, torchReference} from '../../../helpers/tiny-gpt.js'

// The same random-weight GPT in PyTorch (Debian python3-torch) and, exported, in onnxruntime-node:
// per-example losses within 1e-4, identical greedy predictions and generations, on the tiny suite's
// prompts (all four ICL types, few-shot included).
const suite = loadLmSuite('dclm-tiny')
let dir: string
let data: string
let model: LmModel
beforeAll(async () => {
  dir = await exportTinyGpt({seed: 3})
  data = await ensureTinySuiteData(mkdtempSync(join(tmpdir(), 'dcbench-tiny-data-')), 0)
  model = await loadLmModel(dir, {threads: 1})
}, 300_000)
afterAll(async () => model?.release())

function prepared(label: string, count: number) {
  const task = suite.tasks.find((t) => t.label === label)!
  const dataset = readIclFile(join(data, task.dataset), task.type)
  const cut = {...dataset, examples: dataset.examples.slice(0, count)} as typeof dataset
  return {task, prepared: prepareTask(cut, task, {tokenizer: model.tokenizer, maxSeqLen: 128, eosTokenId: model.meta.eot_token_id})}
}

describe('onnxruntime-node scorer against the PyTorch reference', () => {
  it('gives the same per-token losses (≤ 1e-4) and argmax predictions on LM, MC and schema prompts', async () => {
    const sequences: ScoredSequence[] = []
    for (const [label, n] of [['tiny_fact_completion', 30], ['tiny_fact_choice', 15], ['tiny_who_schema', 15]] as const) {
      for (const e of prepared(label, n).prepared.examples) {
        if (e.type === 'language_modeling') sequences.push(e.sequence)
        else if (e.type === 'multiple_choice' || e.type === 'schema') sequences.push(...e.choices)
      }
    }
    expect(sequences.length).toBeGreaterThan(100)
    // small batches force several batches per length; each call holds rows of one length (no padding)
    const calls: {batch: number; seq: number}[] = []
    const recording: LmModel = {...model, logits: (ids, batch, seq) => (calls.push({batch, seq}), model.logits(ids, batch, seq))}
    const ours = await scoreSequences(recording, sequences, {maxBatchTokens: 600})
    expect(calls.reduce((n, c) => n + c.batch * c.seq, 0)).toBe(sequences.reduce((n, s) => n + s.tokens.length, 0))
    expect(new Set(calls.map((c) => c.seq)).size).toBeGreaterThan(2)
    const ref = await torchReference<{losses: number[]; predictions: number[]; mean: number}[]>('score', dir, {sequences})
    let worst = 0
    sequences.forEach((_, i) => {
      expect(ours[i]!.predictions).toEqual(ref[i]!.predictions)
      expect(ours[i]!.losses).toHaveLength(ref[i]!.losses.length)
      ours[i]!.losses.forEach((l, j) => (worst = Math.max(worst, Math.abs(l - ref[i]!.losses[j]!))))
    })
    expect(worst).toBeLessThanOrEqual(1e-4)
    // the random model is not trivially right or wrong: some predictions hit, most miss
    const hits = sequences.flatMap((s, i) => ours[i]!.predictions.map((p, j) => p === s.tokens[s.contStart + j])).filter(Boolean).length
    expect(hits).toBeLessThan(sequences.length)
  }, 300_000)

  it('picks the same multiple-choice and schema answers as mean-loss argmin in torch', async () => {
    for (const label of ['tiny_fact_choice', 'tiny_who_schema']) {
      const {task, prepared: p} = prepared(label, 20)
      const scored = await scorePreparedTask(model, p, {stoppingCriteria: task.earlyStoppingCriteria, cotDelimiter: task.cotDelimiter, doNormalization: task.doNormalization})
      const choices = p.examples.flatMap((e) => (e.type === 'multiple_choice' || e.type === 'schema' ? e.choices : []))
      const ref = await torchReference<{mean: number}[]>('score', dir, {sequences: choices})
      let next = 0
      p.examples.forEach((e, i) => {
        if (e.type !== 'multiple_choice' && e.type !== 'schema') throw new Error('expected choices')
        const means = e.choices.map(() => ref[next++]!.mean)
        const refPick = means.indexOf(Math.min(...means))
        const r = scored.results[i] as {pick: number; meanLosses: number[]}
        expect(r.pick).toBe(refPick)
        r.meanLosses.forEach((m, c) => expect(Math.abs(m - means[c]!)).toBeLessThanOrEqual(1e-4))
      })
    }
  }, 300_000)

  it('generates the same greedy tokens', async () => {
    const {prepared: p} = prepared('tiny_questions', 12)
    const contexts = p.examples.map((e) => (e.type === 'generation_task_with_answers' ? e.context : []))
    const ours = await generateGreedy(model, contexts, {maxNewTokens: 6, stopSequences: []})
    const ref = await torchReference<number[][]>('generate', dir, {contexts, max_new_tokens: 6, eos: model.meta.eot_token_id})
    expect(ours.map((o) => o.ids)).toEqual(ref)
  }, 300_000)
})
