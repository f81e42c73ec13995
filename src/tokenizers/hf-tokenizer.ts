import {readFileSync} from 'node:fs'

import {Tokenizer} from '@huggingface/tokenizers'

import {DcbError} from '../errors.js'

/**
 * A Hugging Face `tokenizer.json` (the `tokenizers` library's format), loaded through
 * @huggingface/tokenizers — the pure-JS port HF maintains for transformers.js — so dcbench reads the
 * same files as the Python/Rust stack and needs no native binary.
 *
 * One deliberate patch: the port's byte-level pre-tokenizer splits with JavaScript's `\s`, which counts
 * U+FEFF as whitespace and U+0085 as not; the Rust library (Oniguruma) uses Unicode White_Space, the
 * other way round. Real DCLM eval data contains U+FEFF (boolq), where the two disagree; the patch swaps
 * in an explicit White_Space class. Tests compare ids with HF's Rust library on the real ICL data.
 */
export interface TextTokenizer {
  /** Token ids of `text`. Special tokens (BOS/EOS from the post-processor) only when asked, as HF's `add_special_tokens`. */
  encode(text: string, options?: {addSpecialTokens?: boolean}): number[]
  /**
   * Text of `ids`. `cleanUpTokenizationSpaces` is transformers' `clean_up_tokenization` (" ." → "." …);
   * off unless asked.
   */
  decode(ids: readonly number[], options?: {skipSpecialTokens?: boolean; cleanUpTokenizationSpaces?: boolean}): string
  /** The id of a vocabulary entry or added token, if any. */
  tokenToId(token: string): number | undefined
  /** Ids of the added tokens marked special (skipped by `skipSpecialTokens`). */
  readonly specialTokenIds: ReadonlySet<number>
  /** 1 + the largest id the tokenizer can produce. */
  readonly vocabSize: number
  /** sha256-independent description of where it came from (for messages). */
  readonly source: string
}

// Unicode White_Space, which Oniguruma's `\s` matches in the Rust library (JS `\s` differs on U+0085, U+FEFF).
const WS = '\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const GPT2_SPLIT = new RegExp(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`, 'gu')

interface TokenizerJson {
  model?: {type?: string; vocab?: Record<string, number> | unknown[]}
  added_tokens?: {id: number; content: string; special: boolean}[]
}

/** Loads a tokenizer.json file; a missing or malformed file is a one-line DcbError naming it. */
export function loadTokenizer(file: string): TextTokenizer {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message
    throw new DcbError('DCB_TOKENIZER', `${file}: cannot read tokenizer: ${reason}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new DcbError('DCB_TOKENIZER', `${file}: not JSON: ${(error as Error).message}`)
  }
  return tokenizerFromJson(json, file)
}

/** Builds a tokenizer from the parsed content of a tokenizer.json. */
export function tokenizerFromJson(json: unknown, source = 'tokenizer.json'): TextTokenizer {
  if (json === null || typeof json !== 'object' || !('model' in json)) {
    throw new DcbError('DCB_TOKENIZER', `${source}: not a Hugging Face tokenizer.json (no "model" object)`)
  }
  const data = json as TokenizerJson
  let tokenizer: Tokenizer
  try {
    tokenizer = new Tokenizer(json, {})
  } catch (error) {
    throw new DcbError('DCB_TOKENIZER', `${source}: unsupported tokenizer.json: ${(error as Error).message}`)
  }
  patchByteLevelSplit(tokenizer.pre_tokenizer)

  const added = data.added_tokens ?? []
  const specialTokenIds = new Set(added.filter((t) => t.special).map((t) => t.id))
  const vocab = data.model?.vocab
  const vocabIds = Array.isArray(vocab) ? vocab.map((_, i) => i) : Object.values(vocab ?? {})
  const vocabSize = 1 + Math.max(-1, ...vocabIds, ...added.map((t) => t.id))

  return {
    source,
    specialTokenIds,
    vocabSize,
    encode(text, options = {}) {
      if (text.length === 0 && !options.addSpecialTokens) return []
      return tokenizer.encode(text, {add_special_tokens: options.addSpecialTokens ?? false}).ids
    },
    decode(ids, options = {}) {
      if (ids.length === 0) return ''
      return tokenizer.decode([...ids], {
        skip_special_tokens: options.skipSpecialTokens ?? false,
        clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? false,
      })
    },
    tokenToId(token) {
      return tokenizer.token_to_id(token)
    },
  }
}

function patchByteLevelSplit(preTokenizer: unknown): void {
  // The package's type declarations do not resolve the pre-tokenizer classes under NodeNext, so match
  // on the config each instance keeps.
  const instance = preTokenizer as {config?: {type?: string; use_regex?: boolean}; pattern?: unknown; tokenizers?: unknown[]} | null
  if (!instance) return
  if (instance.config?.type === 'ByteLevel' && instance.pattern instanceof RegExp) instance.pattern = GPT2_SPLIT
  else if (Array.isArray(instance.tokenizers)) for (const inner of instance.tokenizers) patchByteLevelSplit(inner)
}
