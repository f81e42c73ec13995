import {DcbError} from '../../errors.js'
import {generationCorrect, hitsStop, lmCorrect, multipleChoicePick, type GenerationMetricSettings} from './metrics.js'
import type {LmModel} from './model.js'
import type {PreparedTask, ScoredSequence} from './prompts.js'

/**
 * Runs prepared ICL examples through an LM model directory and applies llm-foundry's metrics.
 *
 * Batching: sequences are sorted by length and cut into batches of at most `maxBatchTokens` tokens
 * (padded on the right to the longest in the batch — the model is causal, so padding after a
 * sequence does not change the logits that score it). Generation is greedy, one token per model call
 * over the whole prefix: the exported graphs have no KV-cache inputs (the tiny GPT's export has
 * none), so there is none to use; rows stop at EOS, at a stop sequence or at `max_new_tokens`.
 * HF's batched `generate` keeps a row going until every row of its batch has stopped; the extra
 * tokens come after the first stop sequence, which the metric cuts off, so stopping each row early
 * gives the same scores. Every row is scored as if alone (no left padding), the result an unpadded
 * reference model gives.
 */

/** Per-token results of one scored sequence. */
export interface SequenceScore {
  /** Cross-entropy (nats) of each continuation token, computed in float64 from float32 logits. */
  losses: number[]
  /** argmax of the logits one position before each continuation token (first index on ties, as torch). */
  predictions: number[]
}

/** One example's outcome, per type (what the per-task cache stores and tests compare). */
export type ExampleResult =
  | {correct: boolean; losses: number[]; predictions: number[]}
  | {correct: boolean; pick: number; meanLosses: number[]}
  | {correct: boolean; output: string}

export interface ScoreOptions {
  /** Largest batch in tokens (rows × padded length). Default: logits of at most 2^26 floats, at least one row. */
  maxBatchTokens?: number
  /** Reports model rows done / total (sequences for scoring, examples for generation). */
  onProgress?: (done: number, total: number) => void
}

function batchTokens(model: LmModel, longest: number, options: ScoreOptions): number {
  return Math.max(longest, options.maxBatchTokens ?? Math.floor(2 ** 26 / model.meta.vocab_size))
}

/** Teacher-forced losses and argmax predictions over each sequence's continuation. */
export async function scoreSequences(model: LmModel, sequences: readonly ScoredSequence[], options: ScoreOptions = {}): Promise<SequenceScore[]> {
  const vocab = model.meta.vocab_size
  const pad = model.meta.pad_token_id ?? model.meta.eot_token_id
  for (const s of sequences) {
    if (s.contStart < 1) throw new DcbError('DCB_ICL_DATA', 'an example has an empty context: nothing predicts its first continuation token')
    if (s.tokens.length > model.meta.seq_len) throw new DcbError('DCB_ICL_DATA', `a sequence of ${s.tokens.length} tokens exceeds the model's seq_len ${model.meta.seq_len}`)
  }
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[b]!.tokens.length - sequences[a]!.tokens.length || a - b)
  const results: SequenceScore[] = new Array<SequenceScore>(sequences.length)
  let done = 0
  for (let start = 0; start < order.length; ) {
    const seq = sequences[order[start]!]!.tokens.length
    const rows = Math.max(1, Math.min(order.length - start, Math.floor(batchTokens(model, seq, options) / seq)))
    const ids = new BigInt64Array(rows * seq).fill(BigInt(pad))
    for (let r = 0; r < rows; r++) {
      const tokens = sequences[order[start + r]!]!.tokens
      for (let t = 0; t < tokens.length; t++) ids[r * seq + t] = BigInt(tokens[t]!)
    }
    const logits = await model.logits(ids, rows, seq)
    for (let r = 0; r < rows; r++) {
      const s = sequences[order[start + r]!]!
      const losses: number[] = []
      const predictions: number[] = []
      for (let pos = s.contStart; pos < s.tokens.length; pos++) {
        const offset = (r * seq + pos - 1) * vocab
        const {loss, argmax} = tokenLoss(logits, offset, vocab, s.tokens[pos]!)
        losses.push(loss)
        predictions.push(argmax)
      }
      results[order[start + r]!] = {losses, predictions}
    }
    start += rows
    done += rows
    options.onProgress?.(done, sequences.length)
  }
  return results
}

/** −log softmax(logits)[target] in float64, and the first argmax. */
export function tokenLoss(logits: Float32Array, offset: number, vocab: number, target: number): {loss: number; argmax: number} {
  let max = Number.NEGATIVE_INFINITY
  let argmax = 0
  for (let v = 0; v < vocab; v++) {
    const x = logits[offset + v]!
    if (x > max) {
      max = x
      argmax = v
    }
  }
  let sum = 0
  for (let v = 0; v < vocab; v++) sum += Math.exp(logits[offset + v]! - max)
  return {loss: Math.log(sum) + max - logits[offset + target]!, argmax}
}

export interface GenerateOptions extends ScoreOptions {
  maxNewTokens: number
  /** Stop a row once its decoded output contains one of these. */
  stopSequences: readonly string[]
}

/** Greedy decoding of each context; returns the generated ids (EOS excluded) and their text. */
export async function generateGreedy(model: LmModel, contexts: readonly number[][], options: GenerateOptions): Promise<{ids: number[]; text: string}[]> {
  const eos = model.meta.eot_token_id
  // composer decodes the new tokens with `batch_decode(..., skip_special_tokens=True)`; transformers
  // 4.42 (what llm-foundry 0.9.0 pins) cleans up tokenization spaces by default for GPT-NeoX's
  // tokenizer. [unverified: read from memory of composer/transformers, not from the pinned source]
  const decode = (ids: number[]): string => model.tokenizer.decode(ids, {skipSpecialTokens: true, cleanUpTokenizationSpaces: true})
  const outputs = contexts.map(() => ({ids: [] as number[], text: ''}))
  // rows of equal context length advance together (no padding needed at any step)
  const byLength = new Map<number, number[]>()
  contexts.forEach((c, i) => {
    if (c.length === 0) throw new DcbError('DCB_ICL_DATA', 'a generation example has an empty context')
    byLength.set(c.length, [...(byLength.get(c.length) ?? []), i])
  })
  let done = 0
  for (const [length, members] of [...byLength].sort((a, b) => b[0] - a[0])) {
    const per = Math.max(1, Math.floor(batchTokens(model, length + options.maxNewTokens, options) / (length + options.maxNewTokens)))
    for (let g = 0; g < members.length; g += per) {
      let active = members.slice(g, g + per)
      for (let step = 0; step < options.maxNewTokens && active.length > 0; step++) {
        const seq = length + step
        if (seq > model.meta.seq_len) break
        const ids = new BigInt64Array(active.length * seq)
        active.forEach((ex, r) => {
          const row = [...contexts[ex]!, ...outputs[ex]!.ids]
          for (let t = 0; t < seq; t++) ids[r * seq + t] = BigInt(row[t]!)
        })
        const logits = await model.logits(ids, active.length, seq)
        const vocab = model.meta.vocab_size
        active = active.filter((ex, r) => {
          const next = tokenLoss(logits, (r * seq + seq - 1) * vocab, vocab, 0).argmax
          if (next === eos) return false
          const out = outputs[ex]!
          out.ids.push(next)
          out.text = decode(out.ids)
          return !hitsStop(out.text, options.stopSequences)
        })
      }
      done += Math.min(per, members.length - g)
      options.onProgress?.(done, contexts.length)
    }
  }
  return outputs
}

/** Scores a prepared task (or category part); returns the accuracy and per-example results. */
export async function scorePreparedTask(
  model: LmModel,
  prepared: PreparedTask,
  generation: GenerationMetricSettings,
  options: ScoreOptions = {},
): Promise<{accuracy: number; results: ExampleResult[]}> {
  const examples = prepared.examples
  if (examples.length === 0) throw new DcbError('DCB_ICL_DATA', 'a task with no examples')
  let results: ExampleResult[]
  if (examples[0]!.type === 'generation_task_with_answers') {
    const gen = examples as Extract<(typeof examples)[number], {type: 'generation_task_with_answers'}>[]
    const outputs = await generateGreedy(model, gen.map((e) => e.context), {...options, maxNewTokens: prepared.maxNewTokens ?? 1, stopSequences: generation.stoppingCriteria})
    results = gen.map((e, i) => ({correct: generationCorrect(outputs[i]!.text, e.aliases, generation), output: outputs[i]!.text}))
  } else {
    const sequences: ScoredSequence[] = []
    for (const e of examples) {
      if (e.type === 'language_modeling') sequences.push(e.sequence)
      else if (e.type === 'multiple_choice' || e.type === 'schema') sequences.push(...e.choices)
    }
    const scores = await scoreSequences(model, sequences, options)
    let next = 0
    results = examples.map((e): ExampleResult => {
      if (e.type === 'language_modeling') {
        const s = scores[next++]!
        return {correct: lmCorrect(s.predictions, e.sequence.tokens.slice(e.sequence.contStart)), losses: s.losses, predictions: s.predictions}
      }
      if (e.type === 'generation_task_with_answers') throw new Error('unreachable: mixed task types')
      const meanLosses = e.choices.map(() => {
        const s = scores[next++]!
        return s.losses.reduce((a, b) => a + b, 0) / s.losses.length
      })
      const pick = multipleChoicePick(meanLosses)
      return {correct: pick === e.gold, pick, meanLosses}
    })
  }
  const correct = results.filter((r) => r.correct).length
  // composer divides float32 tensors: correct / total in float32, read back as a Python float
  return {accuracy: Math.fround(correct / results.length), results}
}
