/**
 * Builds a byte-level BPE tokenizer.json (the GPT-2 / GPT-NeoX design, Hugging Face format) whose
 * merges spell out a given list of words, so text made of those words costs one token per word while
 * any other text still tokenizes, byte by byte, and decodes exactly.
 *
 * Layout, as GPT-NeoX-20B's: id 0 `<|endoftext|>` (EOT, also the pad of the DCLM data format), id 1
 * `<|padding|>`, then the 256 byte symbols in GPT-2's byte-to-unicode order, then one id per merge.
 * Merges come from BPE training on the words, each both bare and with a leading space ("Ġword"), one
 * occurrence each: repeatedly merge the most frequent adjacent pair, ties broken by the pair's text,
 * until every word is one symbol (or the vocabulary is full). Applying merges by rank — what BPE
 * encoding does — then reproduces each training word's final segmentation. Deterministic: the same
 * words give the same bytes.
 */

/** GPT-2's reversible byte → printable-unicode map (bytes_to_unicode), in its order. */
export function byteToUnicode(): Map<number, string> {
  const bytes: number[] = []
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b)
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b)
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b)
  const chars = [...bytes]
  let n = 0
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b)
      chars.push(256 + n++)
    }
  }
  return new Map(bytes.map((b, i) => [b, String.fromCodePoint(chars[i]!)]))
}

export interface ByteLevelBpeOptions {
  /** Largest vocabulary (special tokens and bytes included). */
  maxVocabSize: number
}

export interface ByteLevelBpeTokenizer {
  /** The tokenizer.json content. */
  json: Record<string, unknown>
  vocabSize: number
  merges: number
}

const SPECIAL_TOKENS = ['<|endoftext|>', '<|padding|>']

export function buildByteLevelBpe(words: readonly string[], options: ByteLevelBpeOptions): ByteLevelBpeTokenizer {
  const encode = byteToUnicode()
  const toSymbols = (text: string): string[] => [...new TextEncoder().encode(text)].map((b) => encode.get(b)!)
  const corpus = [...new Set(words.flatMap((w) => [w, ` ${w}`]))].sort().map(toSymbols)

  const vocab = new Map<string, number>()
  for (const token of SPECIAL_TOKENS) vocab.set(token, vocab.size)
  for (const symbol of encode.values()) vocab.set(symbol, vocab.size)
  const merges: string[] = []
  while (vocab.size < options.maxVocabSize) {
    const counts = new Map<string, number>()
    for (const word of corpus) {
      for (let i = 0; i + 1 < word.length; i++) {
        const pair = `${word[i]} ${word[i + 1]}`
        counts.set(pair, (counts.get(pair) ?? 0) + 1)
      }
    }
    let best: string | undefined
    let bestCount = 0
    for (const [pair, count] of counts) {
      if (count > bestCount || (count === bestCount && pair < best!)) {
        best = pair
        bestCount = count
      }
    }
    if (best === undefined) break
    const [left, right] = best.split(' ') as [string, string]
    const merged = left + right
    for (const word of corpus) {
      for (let i = 0; i + 1 < word.length; i++) {
        if (word[i] === left && word[i + 1] === right) word.splice(i, 2, merged)
      }
    }
    merges.push(best)
    if (!vocab.has(merged)) vocab.set(merged, vocab.size)
  }

  const byteLevel = {type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true}
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true})),
    normalizer: {type: 'NFC'},
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  }
  return {json, vocabSize: vocab.size, merges: merges.length}
}
