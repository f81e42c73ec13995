import {CLIP_CONTEXT_LENGTH, ClipTokenizer} from '../eval/clip/tokenizer.js'
import {loadTokenizer, type TextTokenizer} from '../tokenizers/index.js'

/**
 * Token rows for a text tower. Every row is padded to the same length L (the graph's fixed length,
 * or `maxTokens`), so a text's embedding never depends on the batch it was in.
 *
 *   no tokenizer file: open_clip's tokenize (src/eval/clip/tokenizer.ts) — start and end tokens,
 *     zero padding, a long text cut at L with its last token replaced by the end token (L default 77)
 *   a tokenizer.json (`--tokenizer`): Hugging Face's encoding with its special tokens
 *     (`add_special_tokens`); a longer text keeps its first L−1 tokens and its last token when that
 *     is a special one (BERT's [SEP], an EOS the post-processor appends, as HF's truncation keeps the
 *     template's tokens), else its first L; padding with the tokenizer's [PAD]/<pad> id, or 0
 *
 * The mask is 1 for every token and 0 for padding: what `attention_mask` inputs and mean pooling read.
 */
export interface TextTokens {
  /** L. */
  length: number
  /** How the texts are tokenized, for the output folder's embed.json. */
  describe: string
  /** [n, L] ids and mask. */
  encode(texts: readonly string[]): {ids: BigInt64Array; mask: BigInt64Array}
}

/** The longest token row when neither the graph nor the user fixes one. */
export const DEFAULT_MAX_TOKENS = 512

export function textTokens(options: {tokenizerFile?: string; contextLength?: number; maxTokens?: number}): TextTokens {
  if (!options.tokenizerFile) {
    const clip = new ClipTokenizer()
    const length = options.contextLength ?? options.maxTokens ?? CLIP_CONTEXT_LENGTH
    return {
      length,
      describe: `open_clip tokenize, context ${length}`,
      encode(texts) {
        const ids = clip.tokenize(texts, length)
        // the tokens up to the end token: CLIP pads with id 0, which is also '!', so zeros do not mark padding
        const mask = new BigInt64Array(ids.length)
        const eot = BigInt(clip.eot)
        for (let r = 0; r < texts.length; r++) {
          for (let t = 0; t < length; t++) {
            mask[r * length + t] = 1n
            if (ids[r * length + t] === eot) break
          }
        }
        return {ids, mask}
      },
    }
  }
  const tokenizer = loadTokenizer(options.tokenizerFile)
  const length = options.contextLength ?? options.maxTokens ?? DEFAULT_MAX_TOKENS
  const pad = tokenizer.tokenToId('[PAD]') ?? tokenizer.tokenToId('<pad>') ?? 0
  return {
    length,
    describe: `${options.tokenizerFile} with special tokens, ${length} tokens, padding id ${pad}`,
    encode(texts) {
      const ids = new BigInt64Array(texts.length * length).fill(BigInt(pad))
      const mask = new BigInt64Array(texts.length * length)
      texts.forEach((text, r) => {
        const row = truncate(tokenizer, tokenizer.encode(text, {addSpecialTokens: true}), length)
        row.forEach((id, t) => {
          ids[r * length + t] = BigInt(id)
          mask[r * length + t] = 1n
        })
      })
      return {ids, mask}
    },
  }
}

function truncate(tokenizer: TextTokenizer, ids: number[], length: number): number[] {
  if (ids.length <= length) return ids
  const last = ids[ids.length - 1] as number
  return tokenizer.specialTokenIds.has(last) ? [...ids.slice(0, length - 1), last] : ids.slice(0, length)
}
