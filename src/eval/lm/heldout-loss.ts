import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

import {readTarSamples, TarFormatError} from '../../contracts/webdataset.js'
import {DcbError} from '../../errors.js'
import type {TextTokenizer} from '../../tokenizers/index.js'
import {createRng} from '../../util/rng.js'
import {buildTextWorld, cleanDocument} from '../../world/index.js'
import type {LmModel} from './model.js'
import {tokenLoss} from './score.js'

/**
 * The eval's held-out loss step: the mean next-token cross-entropy (nats) of the model over
 * held-out token sequences, as open_lm's validation loss that Gadre et al. fit their laws to (they
 * use C4 validation text; spec dclm.md §9). Each sequence of seq_len + 1 tokens (tokshuf's contexts)
 * is read as inputs [0, seq_len) and targets [1, seq_len]; the loss is the plain mean over every
 * target token except padding (open_lm's handling of tokshuf's padded last context is
 * [unverified]: dcbench leaves pad targets out where the pad id differs from EOT).
 *
 * Where the sequences come from: at the tiny scale, held-out text of the tiny world that dcbench
 * generates (clean documents from a random stream of their own, tokenized with the model's
 * tokenizer, EOT after each, cut into windows); at official scales, a tokenized validation set the
 * user gives in tokshuf's layout (shard_*.tar of json.gz token lists).
 */

/** How many held-out sequences the tiny step scores (a few thousand tokens: under a second on a CPU). */
export const TINY_HELDOUT_SEQUENCES = 64

export interface HeldoutLoss {
  /** Mean cross-entropy per target token, nats. */
  loss: number
  tokens: number
  sequences: number
  /** Where the sequences came from (`tiny-world:<seed>` or the folder). */
  source: string
}

export interface HeldoutLossOptions {
  /** Largest model batch in tokens (as ICL scoring). */
  maxBatchTokens?: number
  /** Targets with this id are left out; default the model's pad_token_id unless it is its EOT (then nothing is). */
  padTokenId?: number
  onProgress?: (done: number, total: number) => void
}

/** The held-out loss of `sequences` (each 2 … seq_len + 1 tokens). */
export async function heldoutLoss(model: LmModel, sequences: readonly number[][], source: string, options: HeldoutLossOptions = {}): Promise<HeldoutLoss> {
  const vocab = model.meta.vocab_size
  // a pad id equal to EOT cannot be told from the EOTs between documents, which count
  const meta = model.meta
  const pad = options.padTokenId ?? (meta.pad_token_id !== null && meta.pad_token_id !== undefined && meta.pad_token_id !== meta.eot_token_id ? meta.pad_token_id : undefined)
  const fill = BigInt(model.meta.pad_token_id ?? model.meta.eot_token_id)
  for (const s of sequences) {
    if (s.length < 2 || s.length > model.meta.seq_len + 1) throw new DcbError('DCB_EVAL_DATA', `${source}: a held-out sequence of ${s.length} tokens; expected 2 to seq_len + 1 = ${model.meta.seq_len + 1}`)
    for (const id of s) if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new DcbError('DCB_EVAL_DATA', `${source}: token id ${id} outside the model's vocabulary [0, ${vocab})`)
  }
  // one input length for every batch: the longest input, shorter ones padded after their end
  const seq = Math.max(1, ...sequences.map((s) => s.length - 1))
  const maxTokens = Math.max(seq, options.maxBatchTokens ?? Math.floor(2 ** 26 / vocab))
  let sum = 0
  let tokens = 0
  for (let start = 0; start < sequences.length; ) {
    const rows = Math.max(1, Math.min(sequences.length - start, Math.floor(maxTokens / seq)))
    const ids = new BigInt64Array(rows * seq).fill(fill)
    for (let r = 0; r < rows; r++) {
      const s = sequences[start + r]!
      for (let t = 0; t < s.length - 1; t++) ids[r * seq + t] = BigInt(s[t]!)
    }
    const logits = await model.logits(ids, rows, seq)
    for (let r = 0; r < rows; r++) {
      const s = sequences[start + r]!
      for (let pos = 1; pos < s.length; pos++) {
        if (s[pos] === pad) continue
        sum += tokenLoss(logits, (r * seq + pos - 1) * vocab, vocab, s[pos]!).loss
        tokens++
      }
    }
    start += rows
    options.onProgress?.(start, sequences.length)
  }
  if (tokens === 0) throw new DcbError('DCB_EVAL_DATA', `${source}: no held-out target tokens (every target is padding)`)
  return {loss: sum / tokens, tokens, sequences: sequences.length, source}
}

/**
 * Held-out tiny-world text as token sequences: clean documents drawn from the stream
 * `tiny-heldout:<seed>` (the pool's documents come from other streams), each followed by EOT,
 * concatenated and cut into `count` windows of seq_len + 1 tokens.
 */
export function tinyHeldoutSequences(tokenizer: TextTokenizer, worldSeed: number, seqLen: number, eot: number, count = TINY_HELDOUT_SEQUENCES): number[][] {
  const world = buildTextWorld(worldSeed)
  const rng = createRng(`tiny-heldout:${worldSeed}`)
  const window = seqLen + 1
  const stream: number[] = []
  while (stream.length < count * window) stream.push(...tokenizer.encode(cleanDocument(world, rng)), eot)
  return Array.from({length: count}, (_, i) => stream.slice(i * window, (i + 1) * window))
}

/** Largest tokenized validation set read (sequences), so a huge folder cannot exhaust memory. */
export const MAX_HELDOUT_SEQUENCES = 100_000

/**
 * The contexts of a tokenized validation set in tokshuf's layout (DIR/shard_*.tar, members
 * `<uuid>.json.gz` = a gzipped JSON list of token ids), in shard and member order, at most `limit`.
 */
export async function readTokshufSequences(dir: string, limit = MAX_HELDOUT_SEQUENCES): Promise<number[][]> {
  const info = await stat(dir).catch(() => undefined)
  if (!info?.isDirectory()) throw new DcbError('DCB_EVAL_DATA', `${dir}: not a folder; expected a tokenized validation set (shard_*.tar of json.gz token lists, tokshuf's layout)`)
  const shards = (await readdir(dir)).filter((n) => /^shard_\d+\.tar$/.test(n)).sort()
  if (shards.length === 0) throw new DcbError('DCB_EVAL_DATA', `${dir}: no shard_*.tar; expected tokshuf's layout`)
  const sequences: number[][] = []
  for (const shard of shards) {
    const file = join(dir, shard)
    try {
      for await (const sample of readTarSamples(file)) {
        const member = sample.members.get('json.gz')
        if (!member) continue
        let ids: unknown
        try {
          ids = JSON.parse(gunzipSync(member).toString('utf8'))
        } catch (error) {
          throw new DcbError('DCB_EVAL_DATA', `${file}: ${sample.key}.json.gz: not a gzipped JSON list (${(error as Error).message.split('\n')[0]})`)
        }
        if (!Array.isArray(ids) || !ids.every((v) => Number.isInteger(v))) throw new DcbError('DCB_EVAL_DATA', `${file}: ${sample.key}.json.gz: expected a JSON list of token ids`)
        sequences.push(ids as number[])
        if (sequences.length >= limit) return sequences
      }
    } catch (error) {
      if (error instanceof DcbError) throw error
      const reason = error instanceof TarFormatError ? error.message : `unreadable tar (${(error as Error).message.split('\n')[0]})`
      throw new DcbError('DCB_EVAL_DATA', `${file}: ${reason}`)
    }
  }
  return sequences
}
