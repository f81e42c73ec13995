import {describe, expect, it} from 'vitest'

import {ClipTokenizer, fixText} from '../../../../src/eval/clip/tokenizer.js'

const tokenizer = new ClipTokenizer()
const row = (text: string) => [...tokenizer.tokenize([text]).slice(0, 77)].map(Number)

describe('ClipTokenizer (open_clip SimpleTokenizer)', () => {
  it('has the 49,408-entry vocabulary with <|startoftext|> 49406 and <|endoftext|> 49407', () => {
    expect(tokenizer.vocabSize).toBe(49_408)
    expect(tokenizer.sot).toBe(49_406)
    expect(tokenizer.eot).toBe(49_407)
  })

  // Published reference encodings (OpenAI CLIP / open_clip / HF CLIPTokenizer outputs quoted in public
  // test suites): facts about the vocabulary, independent of this implementation.
  it.each([
    ['a photo of a cat', [49406, 320, 1125, 539, 320, 2368, 49407]],
    ['the black dog', [49406, 518, 1449, 1929, 49407]],
    ['a photo of an astronaut riding a horse on mars', [49406, 320, 1125, 539, 550, 18376, 6765, 320, 4558, 525, 7496, 49407]],
    ['Apple CoreML developer tools on a Macbook Air are fast', [49406, 3055, 19622, 5780, 10929, 5771, 525, 320, 20617, 1922, 631, 1953, 49407]],
  ])('encodes %j like the reference', (text, ids) => {
    const tokens = row(text)
    expect(tokens.slice(0, ids.length)).toEqual(ids)
    expect(tokens.slice(ids.length).every((t) => t === 0)).toBe(true)
  })

  it('lower-cases and collapses whitespace; HTML entities and curly quotes are cleaned', () => {
    expect(row('A  Photo of a CAT ')).toEqual(row('a photo of a cat'))
    expect(row('a photo of a &quot;cat&quot;')).toEqual(row('a photo of a "cat"'))
    expect(row('a dog’s toy')).toEqual(row("a dog's toy"))
    expect(fixText('ﬁsh ＡＢＣ')).toBe('fish ABC')
  })

  it('splits digits one by one and keeps punctuation runs together', () => {
    const ids = tokenizer.encode('route 66!!')
    expect(ids).toHaveLength(4) // route</w> 6 6 !!</w>
    expect(tokenizer.encode('6')).toHaveLength(1)
  })

  it('cuts long texts to 77 tokens ending with <|endoftext|>', () => {
    const tokens = row(Array.from({length: 100}, () => 'cat').join(' '))
    expect(tokens).toHaveLength(77)
    expect(tokens[0]).toBe(49406)
    expect(tokens[76]).toBe(49407)
    expect(tokens.slice(1, 76).every((t) => t === 2368)).toBe(true)
  })

  it('encodes non-ASCII text through the byte-level fallback without losing it', () => {
    const a = tokenizer.encode('café')
    const b = tokenizer.encode('cafe')
    expect(a).not.toEqual(b)
    expect(a.every((id) => id >= 0 && id < 49_406)).toBe(true)
    expect(tokenizer.encode('日本')).not.toHaveLength(0)
  })
})
