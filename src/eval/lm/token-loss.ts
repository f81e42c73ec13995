import {DcbError} from '../../errors.js'
import type {LmModel} from './model.js'
import type {ScoredSequence} from './prompts.js'

/** What the plain and the shared-prefix scorers (score.ts, prefix-score.ts) share. */

/** Per-token results of one scored sequence. */
export interface SequenceScore {
  /** Cross-entropy (nats) of each continuation token, computed in float64 from float32 logits. */
  losses: number[]
  /** argmax of the logits one position before each continuation token (first index on ties, as torch). */
  predictions: number[]
}

export interface ScoreOptions {
  /** Largest batch in tokens (rows × padded length). Default: logits of at most 2^26 floats, at least one row. */
  maxBatchTokens?: number
  /** Reports model rows done / total (sequences for scoring, examples for generation). */
  onProgress?: (done: number, total: number) => void
}

/** Rows × padded length of one model call: the option, else logits of at most 2^26 floats; never below one row. */
export function batchTokens(model: LmModel, longest: number, options: ScoreOptions): number {
  return Math.max(longest, options.maxBatchTokens ?? Math.floor(2 ** 26 / model.meta.vocab_size))
}

/**
 * The flat positions (row · seq + j) a model call must return logits for, each once, and where each
 * one's logits land in the call's output (graphs with `positions`, model.ts LmWithPast).
 */
export class ScoredPositions {
  private readonly list: number[] = []
  private readonly index = new Map<number, number>()

  /** Row of `position`'s logits in the call's output (added if new). */
  add(position: number): number {
    let i = this.index.get(position)
    if (i === undefined) {
      i = this.list.length
      this.index.set(position, i)
      this.list.push(position)
    }
    return i
  }

  /** What to ask the graph for: never empty (a call with nothing to score still runs for its keys and values). */
  request(): number[] {
    return this.list.length > 0 ? this.list : [0]
  }
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

/** What every scored sequence must be: a non-empty context, no longer than the model accepts. */
export function checkSequences(model: LmModel, sequences: readonly ScoredSequence[]): void {
  for (const s of sequences) {
    if (s.contStart < 1) throw new DcbError('DCB_ICL_DATA', 'an example has an empty context: nothing predicts its first continuation token')
    if (s.tokens.length > model.meta.seq_len) throw new DcbError('DCB_ICL_DATA', `a sequence of ${s.tokens.length} tokens exceeds the model's seq_len ${model.meta.seq_len}`)
  }
}
