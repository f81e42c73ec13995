import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {loadTokenizer} from '../../../src/tokenizers/hf-tokenizer.js'
import {sharedDir} from '../../helpers/shared.js'
import {useTempDir} from '../../helpers/tmp.js'

const neox = loadTokenizer(join(sharedDir(), 'data/tokenizers/gpt-neox-20b/tokenizer.json'))
const tempDir = useTempDir()

describe('GPT-NeoX-20B tokenizer.json through the wrapper', () => {
  it('gives the known GPT-NeoX ids', () => {
    // Widely quoted GPT-NeoX-20B encodings (its vocab.json ids for these words).
    expect(neox.encode('Hello world')).toEqual([12092, 1533])
    expect(neox.encode(' a')).toEqual([247])
    expect(neox.encode('The quick brown fox')).toEqual([510, 3158, 8516, 30013])
    expect(neox.tokenToId('<|endoftext|>')).toBe(0)
    expect(neox.tokenToId('<|padding|>')).toBe(1)
  })

  it("splits '\\n\\n' as GPT-2's regex does and maps runs of spaces to NeoX's added whitespace tokens", () => {
    expect(neox.encode('a\n\nb')).toEqual([66, 187, 187, 67])
    const twoSpaces = neox.tokenToId('  ')!
    expect(neox.encode('x  y')).toEqual([89, twoSpaces, 90])
  })

  it('treats U+FEFF as a symbol and U+0085 as whitespace, as the Rust library does', () => {
    // JS \\s has these the other way round; the wrapper patches the split (see hf-tokenizer.ts).
    expect(neox.encode('/ \ufeff30')).toEqual([16, 35762, 1229])
  })

  it('decodes exactly what it encodes, and skips special tokens on request', () => {
    const text = 'Ünïcödé 日本語 🎉 — "quotes", tabs\tand  spaces'
    expect(neox.decode(neox.encode(text))).toBe(text)
    expect(neox.decode([0, ...neox.encode('Hi')], {skipSpecialTokens: true})).toBe('Hi')
    expect(neox.decode([0, ...neox.encode('Hi')])).toBe('<|endoftext|>Hi')
    expect(neox.decode([])).toBe('')
    expect(neox.encode('')).toEqual([])
  })

  it("applies transformers' clean_up_tokenization only when asked", () => {
    const ids = neox.encode('Paris . It is n\'t')
    expect(neox.decode(ids)).toBe("Paris . It is n't")
    expect(neox.decode(ids, {cleanUpTokenizationSpaces: true})).toBe("Paris. It isn't")
  })

  it('knows its special ids and size', () => {
    expect(neox.specialTokenIds.has(0)).toBe(true)
    expect(neox.vocabSize).toBe(50281)
  })
})

describe('loading errors', () => {
  it('names a missing file', () => {
    expect(() => loadTokenizer(join(tempDir(), 'missing.json'))).toThrow(/missing\.json: cannot read tokenizer: file not found/)
  })

  it('names a file that is not JSON or not a tokenizer', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'a.json'), '{oops')
    writeFileSync(join(dir, 'b.json'), '{"vocab": {}}')
    expect(() => loadTokenizer(join(dir, 'a.json'))).toThrow(/a\.json: not JSON/)
    expect(() => loadTokenizer(join(dir, 'b.json'))).toThrow(/b\.json: not a Hugging Face tokenizer\.json/)
  })
})
