import type {LmModel, LmWithPast, PastKv} from './model.js'
import type {ScoredSequence} from './prompts.js'
import {batchTokens, ScoredPositions, tokenLoss, type ScoreOptions, type SequenceScore} from './token-loss.js'

/**
 * Shared-prefix scoring with the with-past graph (model.json `onnx.with_past`): the sequences of one
 * example (a multiple-choice example's choices: the few-shot preamble and the query, then each answer;
 * a schema example's options: the preamble and the common start of the sentence) are computed once up
 * to their longest common token prefix P, and each sequence's remaining tokens on top of P's keys and
 * values. Exact, not approximate: a causal model's logits at a position depend only on the tokens up to
 * it, so the logits at positions < P are the same for every sequence of the group, and the graph's
 * logits on (past, new tokens) equal the plain graph's on their concatenation (up to float rounding of
 * a differently shaped computation; the tests hold it to 1e-4 and identical predictions).
 *
 * Batching: prefixes of several groups run as one batch, right-padded to the longest (padding after a
 * row's prefix cannot change the keys and values at its positions, which are cut to its own length);
 * the remainders of every group whose prefix has the same length run as one batch, right-padded to the
 * longest remainder, on their prefix's keys and values copied per row. Only sequences that need model
 * output beyond the prefix run: a remainder is tokens P … len − 2 (the last token is a target, never an
 * input), so single-token answers cost nothing beyond the shared prefix. Every call asks the graph
 * only for the positions that predict a continuation token: a graph with `positions` (model.json)
 * runs the vocabulary head there alone.
 */

/** Longest common token prefix of a group's sequences. */
export function commonPrefixLength(group: readonly ScoredSequence[]): number {
  const first = group[0]!.tokens
  let n = Math.min(...group.map((s) => s.tokens.length))
  for (const s of group.slice(1)) {
    let i = 0
    while (i < n && s.tokens[i] === first[i]) i++
    n = i
  }
  return n
}

/** Rows `rows` of a past, cut to its first `length` positions (a copy unless it is the whole past). */
export function selectPast(past: PastKv, rows: readonly number[], length: number): PastKv {
  const {heads, headDim} = past
  if (length === past.length && rows.length === past.batch && rows.every((r, i) => r === i)) return past
  const arrays = past.arrays.map((src) => {
    const out = new Float32Array(rows.length * heads * length * headDim)
    rows.forEach((r, i) => {
      for (let h = 0; h < heads; h++) {
        const from = (r * heads + h) * past.length * headDim
        out.set(src.subarray(from, from + length * headDim), (i * heads + h) * length * headDim)
      }
    })
    return out
  })
  return {batch: rows.length, length, heads, headDim, arrays}
}

interface Pending {
  group: number
  member: number
  /** The shared prefix length of its group. */
  prefix: number
  /** Row of its group in the prefix batch. */
  row: number
}

/**
 * Scores groups of sequences that share a prefix (each group: one example's choices) with the with-past
 * graph; returns each group's scores in order. Every group must share at least one token.
 */
export async function scoreGroupsWithPast(model: LmModel, groups: readonly (readonly ScoredSequence[])[], options: ScoreOptions = {}): Promise<SequenceScore[][]> {
  const graph = model.withPast
  if (!graph) throw new Error('scoreGroupsWithPast: the model has no with-past graph (a bug)')
  const vocab = model.meta.vocab_size
  const pad = BigInt(model.meta.pad_token_id ?? model.meta.eot_token_id)
  const prefixes = groups.map((g) => commonPrefixLength(g))
  prefixes.forEach((p, i) => {
    if (p < 1) throw new Error(`scoreGroupsWithPast: group ${i} shares no prefix (a bug)`)
  })
  const results = groups.map((g) => g.map((s) => ({losses: new Array<number>(s.tokens.length - s.contStart), predictions: new Array<number>(s.tokens.length - s.contStart)})))
  const record = (s: ScoredSequence, out: SequenceScore, logits: Float32Array, offset: number, q: number): void => {
    const {loss, argmax} = tokenLoss(logits, offset, vocab, s.tokens[q + 1]!)
    out.losses[q - (s.contStart - 1)] = loss
    out.predictions[q - (s.contStart - 1)] = argmax
  }
  const total = groups.reduce((n, g) => n + g.length, 0)
  let done = 0
  const order = groups.map((_, i) => i).sort((a, b) => prefixes[b]! - prefixes[a]! || a - b)
  for (let start = 0; start < order.length; ) {
    const width = prefixes[order[start]!]!
    const rows = Math.max(1, Math.min(order.length - start, Math.floor(batchTokens(model, width, options) / width)))
    const members = order.slice(start, start + rows)
    const ids = new BigInt64Array(rows * width).fill(pad)
    members.forEach((g, r) => {
      const tokens = groups[g]![0]!.tokens
      for (let t = 0; t < prefixes[g]!; t++) ids[r * width + t] = BigInt(tokens[t]!)
    })
    // positions inside the prefix that predict a continuation token (the last prefix position, for
    // most choices; a graph with positions computes the vocabulary head only there, once per group)
    const at = new ScoredPositions()
    const inPrefix: {s: ScoredSequence; out: SequenceScore; index: number; q: number}[] = []
    const pending = new Map<number, Pending[]>()
    members.forEach((g, r) => {
      const p = prefixes[g]!
      groups[g]!.forEach((s, m) => {
        for (let q = s.contStart - 1; q <= Math.min(s.tokens.length - 2, p - 1); q++) inPrefix.push({s, out: results[g]![m]!, index: at.add(r * width + q), q})
        if (s.tokens.length - 1 > p) pending.set(p, [...(pending.get(p) ?? []), {group: g, member: m, prefix: p, row: r}])
      })
    })
    const {logits, present} = await graph.run(ids, rows, width, null, at.request())
    for (const {s, out, index, q} of inPrefix) record(s, out, logits, index * vocab, q)
    for (const [p, items] of pending) await scoreRemainders(model, graph, groups, present, p, items, results, record, options)
    start += rows
    done += members.reduce((n, g) => n + groups[g]!.length, 0)
    options.onProgress?.(done, total)
  }
  return results
}

/** Runs the remainders of sequences whose prefixes (all `p` long) are rows of `present`. */
async function scoreRemainders(
  model: LmModel,
  graph: LmWithPast,
  groups: readonly (readonly ScoredSequence[])[],
  present: PastKv,
  p: number,
  items: Pending[],
  results: SequenceScore[][],
  record: (s: ScoredSequence, out: SequenceScore, logits: Float32Array, offset: number, q: number) => void,
  options: ScoreOptions,
): Promise<void> {
  const vocab = model.meta.vocab_size
  const pad = BigInt(model.meta.pad_token_id ?? model.meta.eot_token_id)
  const seqOf = (it: Pending): ScoredSequence => groups[it.group]![it.member]!
  const sorted = [...items].sort((a, b) => seqOf(b).tokens.length - seqOf(a).tokens.length)
  for (let start = 0; start < sorted.length; ) {
    const width = seqOf(sorted[start]!).tokens.length - 1 - p
    // a row costs its remainder plus the prefix it attends to (and whose keys/values it carries)
    const rows = Math.max(1, Math.min(sorted.length - start, Math.floor(batchTokens(model, width + p, options) / (width + p))))
    const chunk = sorted.slice(start, start + rows)
    const ids = new BigInt64Array(rows * width).fill(pad)
    chunk.forEach((it, r) => {
      const tokens = seqOf(it).tokens
      for (let t = p; t < tokens.length - 1; t++) ids[r * width + t - p] = BigInt(tokens[t]!)
    })
    const at = new ScoredPositions()
    const rowsAt = chunk.map((it, r) => {
      const s = seqOf(it)
      const out: number[] = []
      for (let q = Math.max(s.contStart - 1, p); q <= s.tokens.length - 2; q++) out.push(at.add(r * width + q - p))
      return out
    })
    const {logits} = await graph.run(ids, rows, width, selectPast(present, chunk.map((it) => it.row), p), at.request())
    chunk.forEach((it, r) => {
      const s = seqOf(it)
      const first = Math.max(s.contStart - 1, p)
      rowsAt[r]!.forEach((index, i) => record(s, results[it.group]![it.member]!, logits, index * vocab, first + i))
    })
    start += rows
  }
}
