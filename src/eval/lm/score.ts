import {DcbError} from '../../errors.js'
import {generationCorrect, hitsStop, lmCorrect, multipleChoicePick, type GenerationMetricSettings} from './metrics.js'
import type {LmModel, PastKv} from './model.js'
import {commonPrefixLength, scoreGroupsWithPast, selectPast} from './prefix-score.js'
import type {PreparedTask, ScoredSequence} from './prompts.js'
import {batchTokens, checkSequences, ScoredPositions, tokenLoss, type ScoreOptions, type SequenceScore} from './token-loss.js'

export {tokenLoss, type ScoreOptions, type SequenceScore} from './token-loss.js'

/**
 * Runs prepared ICL examples through an LM model directory and applies llm-foundry's metrics.
 *
 * Batching: sequences are sorted by length and sequences of one length cut into batches of at most
 * `maxBatchTokens` tokens, so no row is padded (a few more model calls instead of computing padding;
 * padding on the right would not change the logits either, the model being causal). With the model's with-past graph (model.json
 * `onnx.with_past`), the choices of a multiple-choice or schema example share their common prefix
 * (prefix-score.ts). Generation is greedy: over the whole prefix each step with the plain graph, or the
 * context once and then one token per step on its keys and values with the with-past graph; rows stop
 * at EOS, at a stop sequence or at `max_new_tokens`. When the with-past graph takes `positions`
 * (model.json `onnx.with_past.positions`), every call — sequences scored whole too, on an empty past —
 * asks it only for the positions that predict a continuation token (generation: each row's last), so
 * the vocabulary head runs there alone; model.onnx (loaded with `withPast: false`) stays the reference.
 * HF's batched `generate` keeps a row going until every row of its batch has stopped; the extra
 * tokens come after the first stop sequence, which the metric cuts off, so stopping each row early
 * gives the same scores. Every row is scored as if alone (no left padding), the result an unpadded
 * reference model gives.
 */

/** One example's outcome, per type (what the per-task cache stores and tests compare). */
export type ExampleResult =
  | {correct: boolean; losses: number[]; predictions: number[]}
  | {correct: boolean; pick: number; meanLosses: number[]}
  | {correct: boolean; output: string}

/** Teacher-forced losses and argmax predictions over each sequence's continuation. */
export async function scoreSequences(model: LmModel, sequences: readonly ScoredSequence[], options: ScoreOptions = {}): Promise<SequenceScore[]> {
  const vocab = model.meta.vocab_size
  const pad = model.meta.pad_token_id ?? model.meta.eot_token_id
  checkSequences(model, sequences)
  const graph = model.withPast?.positions ? model.withPast : undefined
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[b]!.tokens.length - sequences[a]!.tokens.length || a - b)
  const results: SequenceScore[] = new Array<SequenceScore>(sequences.length)
  let done = 0
  for (let start = 0; start < order.length; ) {
    const seq = sequences[order[start]!]!.tokens.length
    // only rows of this exact length: no padding. Short 0-shot prompts (3–8 tokens) padded to the
    // longest of one big batch spent a quarter of the model's work on padding (bench/lm-eval).
    let same = start
    while (same < order.length && sequences[order[same]!]!.tokens.length === seq) same++
    const rows = Math.max(1, Math.min(same - start, Math.floor(batchTokens(model, seq, options) / seq)))
    const ids = new BigInt64Array(rows * seq).fill(BigInt(pad))
    for (let r = 0; r < rows; r++) {
      const tokens = sequences[order[start + r]!]!.tokens
      for (let t = 0; t < tokens.length; t++) ids[r * seq + t] = BigInt(tokens[t]!)
    }
    // with a graph that takes positions, logits only where a continuation token is predicted (the
    // vocabulary head is ~20 % of a token's work at the tiny recipe's size); else at every position
    let logits: Float32Array
    let row: (r: number, pos: number) => number
    if (graph) {
      const at = new ScoredPositions()
      const rowOf = new Map<number, number>()
      for (let r = 0; r < rows; r++) {
        const s = sequences[order[start + r]!]!
        for (let pos = s.contStart; pos < s.tokens.length; pos++) rowOf.set(r * seq + pos - 1, at.add(r * seq + pos - 1))
      }
      logits = (await graph.run(ids, rows, seq, null, at.request())).logits
      row = (r, pos) => rowOf.get(r * seq + pos - 1)!
    } else {
      logits = await model.logits(ids, rows, seq)
      row = (r, pos) => r * seq + pos - 1
    }
    for (let r = 0; r < rows; r++) {
      const s = sequences[order[start + r]!]!
      const losses: number[] = []
      const predictions: number[] = []
      for (let pos = s.contStart; pos < s.tokens.length; pos++) {
        const offset = row(r, pos) * vocab
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
      // with the with-past graph: the contexts once, then one new token per row and step on their keys/values
      let past: PastKv | null = null
      let kept: number[] = []
      for (let step = 0; step < options.maxNewTokens && active.length > 0; step++) {
        const seq = length + step
        if (seq > model.meta.seq_len) break
        const vocab = model.meta.vocab_size
        let logits: Float32Array
        let last: (r: number) => number
        if (model.withPast) {
          const width = past ? 1 : seq
          const ids = new BigInt64Array(active.length * width)
          active.forEach((ex, r) => {
            const row = past ? outputs[ex]!.ids.slice(-1) : contexts[ex]!
            for (let t = 0; t < width; t++) ids[r * width + t] = BigInt(row[t]!)
          })
          // only each row's last position is needed: the head runs there alone with a graph that takes positions
          const lastOf = active.map((_, r) => r * width + width - 1)
          const out: {logits: Float32Array; present: PastKv} = await model.withPast.run(ids, active.length, width, past ? selectPast(past, kept, past.length) : null, lastOf)
          logits = out.logits
          past = out.present
          last = (r) => r * vocab
        } else {
          const ids = new BigInt64Array(active.length * seq)
          active.forEach((ex, r) => {
            const row = [...contexts[ex]!, ...outputs[ex]!.ids]
            for (let t = 0; t < seq; t++) ids[r * seq + t] = BigInt(row[t]!)
          })
          logits = await model.logits(ids, active.length, seq)
          last = (r) => (r * seq + seq - 1) * vocab
        }
        kept = []
        active = active.filter((ex, r) => {
          const next = tokenLoss(logits, last(r), vocab, 0).argmax
          if (next === eos) return false
          const out = outputs[ex]!
          out.ids.push(next)
          out.text = decode(out.ids)
          const going = !hitsStop(out.text, options.stopSequences)
          if (going) kept.push(r)
          return going
        })
      }
      done += Math.min(per, members.length - g)
      options.onProgress?.(done, contexts.length)
    }
  }
  return outputs
}

/**
 * Scores groups of sequences (one per example): with the model's with-past graph, groups of two or more
 * that share a prefix take the shared-prefix path (prefix-score.ts); the rest, and every group when
 * the model has no such graph, the plain path. Returns each group's scores in order.
 */
export async function scoreGroups(model: LmModel, groups: readonly (readonly ScoredSequence[])[], options: ScoreOptions = {}): Promise<SequenceScore[][]> {
  checkSequences(model, groups.flat())
  const shared = (g: readonly ScoredSequence[]): boolean => model.withPast !== undefined && g.length > 1 && commonPrefixLength(g) > 0
  const plainGroups = groups.filter((g) => !shared(g))
  const sharedGroups = groups.filter(shared)
  const total = groups.reduce((n, g) => n + g.length, 0)
  const plainCount = plainGroups.reduce((n, g) => n + g.length, 0)
  const plain = await scoreSequences(model, plainGroups.flat(), {...options, onProgress: (done) => options.onProgress?.(done, total)})
  const viaPast = sharedGroups.length === 0 ? [] : await scoreGroupsWithPast(model, sharedGroups, {...options, onProgress: (done) => options.onProgress?.(plainCount + done, total)})
  let nextPlain = 0
  let nextShared = 0
  return groups.map((g) => (shared(g) ? viaPast[nextShared++]! : g.map(() => plain[nextPlain++]!)))
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
    const groups = examples.map((e) => (e.type === 'language_modeling' ? [e.sequence] : e.type === 'generation_task_with_answers' ? [] : e.choices))
    const scores = (await scoreGroups(model, groups, options)).flat()
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
