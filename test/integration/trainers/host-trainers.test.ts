import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {checkOnnxReference} from '../../../src/runner/onnx-reference.js'
import {useTempDir} from '../../helpers/tmp.js'
import {writeDataCompTrainingData, writeDclmTrainingData, writeRecipe} from '../../helpers/training-data.js'
import {parseEvents, readJson, readMetrics, startHostTrainer} from '../../helpers/trainer-run.js'

// The tiny trainers with the host's python3 (Debian torch), as `--executor local` runs them: the
// contract's outputs, the ONNX export against torch in onnxruntime-node, SIGTERM + resume.

const tmp = useTempDir('dcbench-trainers-')
// long enough that SIGTERM lands mid-run even on a busy machine (the small test model steps fast)
const STEPS = 40

const cases = [
  {benchmark: 'datacomp', make: (dir: string) => writeDataCompTrainingData(dir, {count: 600, perShard: 250}), countKey: 'samples_seen', graphs: ['image_encoder.onnx', 'text_encoder.onnx']},
  {benchmark: 'dclm', make: (dir: string) => writeDclmTrainingData(dir, {sequences: 120, seqLen: 128, perShard: 50}), countKey: 'tokens_seen', graphs: ['model.onnx', 'model_with_past.onnx']},
] as const

describe.each(cases)('tiny $benchmark trainer on the host', ({benchmark, make, countKey, graphs}) => {
  let data: string
  beforeAll(async () => {
    const {mkdtempSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    data = mkdtempSync(join(tmpdir(), `dcbench-trainers-data-${benchmark}-`))
    await make(data)
  })

  it('stops at DCBENCH_MAX_STEPS with the contract outputs and an ONNX export that matches torch', async () => {
    const out = tmp()
    const recipe = await writeRecipe(out, benchmark)
    const run = await startHostTrainer(data, out, {DCBENCH_MAX_STEPS: '2'})
    const result = await run.process
    expect(result.exitCode, String(result.stderr)).toBe(0)
    const events = parseEvents(String(result.stdout))
    expect(events[0]).toMatchObject({event: 'start', resumed_from_step: 0, device: 'cpu', threads: 1, steps_total: recipe.derived.steps})
    expect(events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([1, 2])
    expect(events.map((e) => e.event)).toEqual(['start', 'step', 'step', 'checkpoint', 'export', 'done'])

    const final = readJson(join(out, 'final.json'))
    expect(final).toMatchObject({format: 'dcbench.final/1', benchmark, scale: 'tiny', recipe_hash: recipe.hash, complete: false, steps: 2, steps_total: recipe.derived.steps, attempts: 1})
    const metrics = readMetrics(out)
    expect(metrics.map((m) => m.step)).toEqual([1, 2])
    const perStep = benchmark === 'datacomp' ? 256 : 32 * 128
    expect(metrics[1]?.[countKey]).toBe(2 * perStep)
    expect(final[countKey]).toBe(2 * perStep)
    expect(Number.isFinite(metrics[1]?.loss)).toBe(true)
    expect(readdirSync(join(out, 'checkpoints'))).toEqual(['step_00000002.pt'])

    const meta = readJson(join(out, 'model/model.json'))
    expect(meta.kind).toBe(benchmark === 'datacomp' ? 'clip' : 'lm')
    const checked = await checkOnnxReference(join(out, 'model'))
    expect(checked.map((c) => c.graph).sort()).toEqual([...graphs].sort())
    for (const c of checked) expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-4)
    if (benchmark === 'datacomp') {
      expect(checked.find((c) => c.graph === 'image_encoder.onnx')?.outputs.image_features).toEqual([2, 64])
      expect(existsSync(join(out, 'model/bpe_simple_vocab_16e6.txt.gz'))).toBe(true)
    } else {
      expect(checked.find((c) => c.graph === 'model.onnx')?.outputs.logits).toEqual([2, 8, 1536])
      expect(meta).toMatchObject({seq_len: 128, vocab_size: 1536, eot_token_id: 0, pad_token_id: 1, tokenizer: 'tokenizer.json'})
      // the with-past graph: a 5-position past and 3 new tokens in the reference, the logits asked at 4 of
      // the 6 new positions (the `positions` input), its shapes in model.json
      expect(meta.onnx).toMatchObject({model: 'model.onnx', with_past: {model: 'model_with_past.onnx', layers: expect.any(Number), kv_heads: expect.any(Number), head_dim: expect.any(Number), positions: true}})
      const wp = (meta.onnx as {with_past: {kv_heads: number; head_dim: number}}).with_past
      expect(checked.find((c) => c.graph === 'model_with_past.onnx')?.outputs['present.0.key']).toEqual([2, wp.kv_heads, 8, wp.head_dim])
      expect(checked.find((c) => c.graph === 'model_with_past.onnx')?.outputs.logits).toEqual([4, 1536])
    }
  })

  it('checkpoints on SIGTERM (exit 143), resumes, finishes, and sees the same data as an uninterrupted run', async () => {
    const straight = tmp()
    await writeRecipe(straight, benchmark, {steps: STEPS, small: true})
    const reference = await startHostTrainer(data, straight)
    expect((await reference.process).exitCode).toBe(0)

    const out = tmp()
    await writeRecipe(out, benchmark, {steps: STEPS, small: true})
    const first = await startHostTrainer(data, out)
    await first.waitForStep(3)
    first.process.kill('SIGTERM')
    const stopped = await first.process
    expect(stopped.exitCode).toBe(143)
    const stoppedAt = readMetrics(out).at(-1)?.step as number
    expect(stoppedAt).toBeGreaterThanOrEqual(3)
    expect(stoppedAt).toBeLessThan(STEPS)
    expect(existsSync(join(out, 'final.json'))).toBe(false)

    const second = await startHostTrainer(data, out)
    const resumed = await second.process
    expect(resumed.exitCode, String(resumed.stderr)).toBe(0)
    expect(parseEvents(String(resumed.stdout))[0]).toMatchObject({event: 'start', resumed_from_step: stoppedAt})
    const final = readJson(join(out, 'final.json'))
    expect(final).toMatchObject({complete: true, steps: STEPS, attempts: 2})
    const metrics = readMetrics(out)
    expect(metrics.map((m) => m.step)).toEqual(Array.from({length: STEPS}, (_, i) => i + 1))
    // resume restores model, optimizer and data position: the losses follow the uninterrupted run
    const expected = readMetrics(straight).map((m) => m.loss as number)
    metrics.forEach((m, i) => expect(m.loss).toBeCloseTo(expected[i] as number, 4))
    expect(readJson(join(straight, 'final.json'))).toMatchObject({complete: true, steps: STEPS, attempts: 1})

    // a finished run started again trains nothing and keeps its outputs
    const again = await (await startHostTrainer(data, out)).process
    expect(again.exitCode).toBe(0)
    expect(parseEvents(String(again.stdout)).map((e) => e.event)).toEqual(['start', 'done'])
    expect(readMetrics(out)).toHaveLength(STEPS)
  }, 300_000)

  it('reports unusable data as an error event and exit 2', async () => {
    const out = tmp()
    await writeRecipe(out, benchmark)
    const empty = tmp()
    const result = await (await startHostTrainer(empty, out)).process
    expect(result.exitCode).toBe(2)
    const events = parseEvents(String(result.stdout))
    expect(events).toHaveLength(1)
    expect(events[0]?.event).toBe('error')
    expect(String(events[0]?.message)).toContain(empty)
  })
})
