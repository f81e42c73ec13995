/**
 * The words n-gram overlap is measured in, as the contamination studies after GPT-3 define them
 * (lower-cased, punctuation and whitespace dropped, split into words; GPT-3 appendix C,
 * lm-evaluation-harness's decontamination): Unicode NFKC, then lower case, then the maximal runs of
 * letters, digits and combining marks (`\p{L}\p{N}\p{M}`) are the words; every other character
 * (punctuation, symbols, whitespace) only separates them. "Don't!" is `don t`; "ＡＢＣ" is `abc`.
 *
 * Each word keeps the offsets of the characters it came from, so a match can be shown as the
 * document's own text. Normalization runs per run of word-bearing characters (a character whose NFKC
 * form holds a letter, digit or mark): the same words as normalizing the whole text, except where NFKC
 * would compose across a separator, which no real text needs. ASCII runs, nearly all of web text,
 * take a fast path that never builds a string.
 *
 * Words are hashed to two independent 32-bit lanes (FNV-1a and a multiply–xorshift, each finished
 * with murmur3's fmix32); n-grams are polynomial hashes over them (ngram-keys.ts).
 */

/** The words of a text: per word its two hash lanes and the text offsets it spans. */
export interface WordList {
  count: number
  /** Hash lanes (index < count). */
  lane1: Uint32Array
  lane2: Uint32Array
  /** [start, end) offsets into the text (UTF-16 code units). */
  start: Uint32Array
  end: Uint32Array
}

const WORD = /[\p{L}\p{N}\p{M}]/u
let bmpClass: Uint8Array | undefined

/** 1 for BMP characters that carry a word character after NFKC, 0 for separators; surrogates 2. */
function classes(): Uint8Array {
  if (bmpClass) return bmpClass
  const table = new Uint8Array(65536)
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) table[c] = 2
    else if (c < 128) table[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0
    else table[c] = WORD.test(String.fromCharCode(c).normalize('NFKC')) ? 1 : 0
  }
  return (bmpClass = table)
}

/** A reusable word list that grows as needed (one per scanner: documents are tokenized in turn). */
export function createWordList(capacity = 1024): WordList {
  return {count: 0, lane1: new Uint32Array(capacity), lane2: new Uint32Array(capacity), start: new Uint32Array(capacity), end: new Uint32Array(capacity)}
}

function grow(list: WordList): void {
  const capacity = list.lane1.length * 2
  for (const key of ['lane1', 'lane2', 'start', 'end'] as const) {
    const bigger = new Uint32Array(capacity)
    bigger.set(list[key])
    list[key] = bigger
  }
}

function push(list: WordList, h1: number, h2: number, start: number, end: number): void {
  if (list.count === list.lane1.length) grow(list)
  const i = list.count++
  list.lane1[i] = fmix32(h1)
  list.lane2[i] = fmix32(h2 ^ 0x9e3779b9)
  list.start[i] = start
  list.end[i] = end
}

/** murmur3's 32-bit finalizer: every input bit moves every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
const MIX_SEED = 0x2545f491

/**
 * Splits `text` into normalized words (see the module comment), replacing the list's content.
 * Returns the list.
 */
export function tokenizeWords(text: string, list: WordList = createWordList()): WordList {
  const table = classes()
  list.count = 0
  const length = text.length
  let i = 0
  while (i < length) {
    let c = text.charCodeAt(i)
    let cls = table[c]!
    if (cls === 2) cls = surrogateIsWord(text, i) ? 1 : 0
    if (cls === 0) {
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < length ? 2 : 1
      continue
    }
    // a run of word-bearing characters: [start, i)
    const start = i
    let ascii = true
    let h1 = FNV_OFFSET
    let h2 = MIX_SEED
    while (i < length) {
      c = text.charCodeAt(i)
      cls = table[c]!
      if (cls === 2) cls = surrogateIsWord(text, i) ? 1 : 0
      if (cls === 0) break
      if (c >= 128) ascii = false
      if (ascii) {
        const lower = c >= 65 && c <= 90 ? c + 32 : c
        h1 = Math.imul(h1 ^ lower, FNV_PRIME)
        h2 = Math.imul(h2 ^ lower, 0x5bd1e995)
        h2 ^= h2 >>> 15
      }
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < length ? 2 : 1
    }
    if (ascii) push(list, h1, h2, start, i)
    else pushNormalized(list, text.slice(start, i), start, i, table)
  }
  return list
}

/** A run with non-ASCII characters: NFKC + lower case, which may split it into several words. */
function pushNormalized(list: WordList, run: string, start: number, end: number, table: Uint8Array): void {
  const normal = run.normalize('NFKC').toLowerCase()
  let h1 = FNV_OFFSET
  let h2 = MIX_SEED
  let inWord = false
  for (let j = 0; j < normal.length; ) {
    const cp = normal.codePointAt(j)!
    const units = cp > 0xffff ? 2 : 1
    const word = cp > 0xffff ? WORD.test(String.fromCodePoint(cp)) : table[cp] === 1
    if (word) {
      for (let k = 0; k < units; k++) {
        const c = normal.charCodeAt(j + k)
        h1 = Math.imul(h1 ^ c, FNV_PRIME)
        h2 = Math.imul(h2 ^ c, 0x5bd1e995)
        h2 ^= h2 >>> 15
      }
      inWord = true
    } else if (inWord) {
      push(list, h1, h2, start, end)
      h1 = FNV_OFFSET
      h2 = MIX_SEED
      inWord = false
    }
    j += units
  }
  if (inWord) push(list, h1, h2, start, end)
}

/** A code point outside the BMP (or a lone surrogate) at `i`: is it a word character? */
function surrogateIsWord(text: string, i: number): boolean {
  const c = text.charCodeAt(i)
  if (c >= 0xdc00) return false // a low surrogate: counted with its high surrogate
  const cp = text.codePointAt(i)!
  if (cp < 0x10000) return false // a lone high surrogate
  return WORD.test(String.fromCodePoint(cp).normalize('NFKC'))
}

/** The normalized words themselves (for messages and tests; the scanners only use hashes). */
export function normalizedWords(text: string): string[] {
  return (text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? []) as string[]
}
