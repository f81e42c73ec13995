import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {decodeHTML} from 'entities'

import {DcbError} from '../../errors.js'
import {packageRoot} from '../../util/paths.js'

/** CLIP's context length at every DataComp scale. */
export const CLIP_CONTEXT_LENGTH = 77

/** The vocabulary shipped with dcbench (a copy of open_clip 2.16.1's). */
export function defaultVocabPath(): string {
  return join(packageRoot(), 'evaluators/tokenizers/clip/bpe_simple_vocab_16e6.txt.gz')
}

/**
 * GPT-2 style reversible byte → printable unicode character map: `table[byte]`, and `order`, the
 * characters in the order they open the vocabulary (printable bytes first, then the others).
 */
function bytesToUnicode(): {table: string[]; order: string[]} {
  const bs: number[] = []
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b)
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b)
  for (let b = 0xae; b <= 0xff; b++) bs.push(b)
  const cs = [...bs]
  let n = 0
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b)
      cs.push(256 + n++)
    }
  }
  const table: string[] = new Array(256)
  bs.forEach((b, i) => (table[b] = String.fromCodePoint(cs[i] as number)))
  return {table, order: cs.map((c) => String.fromCodePoint(c))}
}

// The pre-tokenisation pattern of CLIP's SimpleTokenizer (the text is lower-cased before it runs).
const TOKEN_PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu

const QUOTES: Record<string, string> = {'\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"'}
const LIGATURES: Record<string, string> = {'\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi', '\ufb04': 'ffl', '\ufb05': 'ſt', '\ufb06': 'st'}

/**
 * The parts of ftfy.fix_text (defaults) that change text which is already valid Unicode: curly quotes
 * straightened, Latin ligatures split, full-width forms narrowed, line breaks unified, control
 * characters removed, HTML entities decoded, NFC. Inferred/unverified: ftfy's mojibake repair
 * (fix_encoding) is not reproduced — class names and templates of the eval suites are clean text,
 * where it is the identity.
 */
export function fixText(text: string): string {
  let out = text.replace(/[\u2018-\u201f]/g, (c) => QUOTES[c] ?? c).replace(/[\ufb00-\ufb06]/g, (c) => LIGATURES[c] ?? c)
  // Full-width ASCII forms and the ideographic space → their narrow forms (ftfy fix_character_width).
  out = out.replace(/[\uff01-\uff5e\u3000]/g, (c) => c.normalize('NFKC'))
  out = out.replace(/\r\n|\r|\u2028|\u2029|\u0085/g, '\n')
  // ftfy remove_control_chars: C0 controls except \t \n \f \r, DEL, and the BOM / bidi/format marks it lists.
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  out = out.replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f\ufeff\ufff9-\ufffc\u206a-\u206f]/g, '')
  if (!out.includes('<')) out = decodeHTML(out)
  return out.normalize('NFC')
}

function basicClean(text: string): string {
  return decodeHTML(decodeHTML(fixText(text))).trim()
}

function whitespaceClean(text: string): string {
  return text.replace(/\s+/gu, ' ').trim()
}

/**
 * open_clip's SimpleTokenizer (v2.16.1): byte-level BPE over the 49,408-entry CLIP vocabulary,
 * `<|startoftext|>` = 49406, `<|endoftext|>` = 49407, zero padding to the context length; a text
 * longer than the context is cut and its last token replaced by `<|endoftext|>`.
 */
export class ClipTokenizer {
  readonly sot: number
  readonly eot: number
  readonly vocabSize: number
  private readonly encoder = new Map<string, number>()
  private readonly ranks = new Map<string, number>()
  private readonly byteEncoder: string[]
  private readonly cache = new Map<string, string[]>()

  constructor(vocabFile = defaultVocabPath()) {
    let lines: string[]
    try {
      lines = gunzipSync(readFileSync(vocabFile)).toString('utf8').split('\n')
    } catch (error) {
      throw new DcbError('DCB_MODEL_DIR', `${vocabFile}: cannot read the CLIP BPE vocabulary (${(error as Error).message.split('\n')[0]}); expected bpe_simple_vocab_16e6.txt.gz`)
    }
    const merges = lines.slice(1, 49152 - 256 - 2 + 1).map((line) => line.split(' ') as [string, string])
    if (merges.length !== 48894 || merges.some((m) => m.length !== 2)) {
      throw new DcbError('DCB_MODEL_DIR', `${vocabFile}: not a CLIP BPE vocabulary (expected 48,894 merge lines after the header)`)
    }
    const {table, order} = bytesToUnicode()
    this.byteEncoder = table
    const vocab = [...order]
    vocab.push(...vocab.map((v) => `${v}</w>`))
    merges.forEach(([a, b], rank) => {
      vocab.push(a + b)
      this.ranks.set(`${a} ${b}`, rank)
    })
    vocab.push('<|startoftext|>', '<|endoftext|>')
    vocab.forEach((token, id) => this.encoder.set(token, id))
    this.sot = this.encoder.get('<|startoftext|>') as number
    this.eot = this.encoder.get('<|endoftext|>') as number
    this.vocabSize = vocab.length
    this.cache.set('<|startoftext|>', ['<|startoftext|>'])
    this.cache.set('<|endoftext|>', ['<|endoftext|>'])
  }

  private bpe(token: string): string[] {
    const cached = this.cache.get(token)
    if (cached) return cached
    const chars = [...token]
    let word = [...chars.slice(0, -1), `${chars[chars.length - 1]}</w>`]
    while (word.length > 1) {
      let best: [string, string] | undefined
      let bestRank = Infinity
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`)
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank
          best = [word[i] as string, word[i + 1] as string]
        }
      }
      if (!best) break
      const [first, second] = best
      const merged: string[] = []
      for (let i = 0; i < word.length; ) {
        if (word[i] === first && i < word.length - 1 && word[i + 1] === second) {
          merged.push(first + second)
          i += 2
        } else {
          merged.push(word[i] as string)
          i += 1
        }
      }
      word = merged
    }
    this.cache.set(token, word)
    return word
  }

  /** BPE ids of a text, without start/end tokens. */
  encode(text: string): number[] {
    const cleaned = whitespaceClean(basicClean(text)).toLowerCase()
    const ids: number[] = []
    for (const match of cleaned.matchAll(TOKEN_PATTERN)) {
      const bytes = Buffer.from(match[0], 'utf8')
      let mapped = ''
      for (const b of bytes) mapped += this.byteEncoder[b]
      for (const piece of this.bpe(mapped)) ids.push(this.encoder.get(piece) as number)
    }
    return ids
  }

  /** open_clip's `tokenize(texts)`: int64 rows of `contextLength` ids. */
  tokenize(texts: readonly string[], contextLength = CLIP_CONTEXT_LENGTH): BigInt64Array {
    const out = new BigInt64Array(texts.length * contextLength)
    texts.forEach((text, row) => {
      let ids = [this.sot, ...this.encode(text), this.eot]
      if (ids.length > contextLength) {
        ids = ids.slice(0, contextLength)
        ids[contextLength - 1] = this.eot
      }
      ids.forEach((id, i) => (out[row * contextLength + i] = BigInt(id)))
    })
    return out
  }
}
