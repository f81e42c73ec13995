import {describe, expect, it} from 'vitest'

import {buildTextIndex, DEFAULT_NGRAM_SETTINGS} from '../../../src/contamination/ngram-build.js'
import {TextScanner} from '../../../src/contamination/ngram-scan.js'
import {NgramTable, packPosting} from '../../../src/contamination/ngram-table.js'
import {normalizedWords, tokenizeWords} from '../../../src/contamination/text-words.js'

const settings = DEFAULT_NGRAM_SETTINGS

/** The words a word list holds, as the text spans they came from. */
function spans(text: string): string[] {
  const words = tokenizeWords(text)
  return Array.from({length: words.count}, (_, i) => text.slice(words.start[i], words.end[i]))
}

describe('words', () => {
  it('lower-cases, applies NFKC and drops punctuation, keeping each word\'s span of the original text', () => {
    const text = "Don't STOP — ＡＢＣ café, naïve ① x²!"
    expect(normalizedWords(text)).toEqual(['don', 't', 'stop', 'abc', 'café', 'naïve', '1', 'x2'])
    expect(spans(text)).toEqual(['Don', 't', 'STOP', 'ＡＢＣ', 'café', 'naïve', '①', 'x²'])
    expect(tokenizeWords(text).count).toBe(8)
  })

  it('gives the same words the same hashes whatever their case, composition or width', () => {
    const a = tokenizeWords('Cafe\u0301 ABC')
    const b = tokenizeWords('CAFÉ ａｂｃ')
    expect([...a.lane1.subarray(0, a.count)]).toEqual([...b.lane1.subarray(0, b.count)])
    expect([...a.lane2.subarray(0, a.count)]).toEqual([...b.lane2.subarray(0, b.count)])
  })

  it('reads letters outside the BMP and skips lone surrogates', () => {
    expect(spans('𝐀𝐁 then \ud800 alone 𐍈x')).toEqual(['𝐀𝐁', 'then', 'alone', '𐍈x'])
  })
})

describe('the n-gram index and scanner', () => {
  const examples = [
    'The quick brown fox jumps over the lazy dog near the old river bank today.',
    'Eight words are enough to be matched whole.',
    'Too short to check.',
    ...Array.from({length: 6}, (_, i) => `Given two strings, determine the length of the longest common subsequence of them both. Strings: x${i}`),
  ]
  const index = buildTextIndex([{key: 'task', examples}], settings)

  it('indexes n-grams, whole short examples, and drops template n-grams as boilerplate', () => {
    const [task] = index.tasks
    expect(task).toMatchObject({examples: 9, too_short: 1, only_boilerplate: 0, checked: 8})
    expect(task!.boilerplate.max_examples).toBe(3)
    expect(task!.boilerplate.ngrams).toBe(3)
    expect(task!.boilerplate.samples[0]).toEqual({text: 'Given two strings, determine the length of the longest common subsequence of them', examples: 6})
    expect(index.lengths).toEqual([8, 13])
  })

  it('finds an example inside other text, across punctuation and case, with its span', () => {
    const scanner = new TextScanner(index)
    const text = 'Intro. THE QUICK brown fox - jumps over the lazy dog, near the old river bank today!!! Outro; and eight words are enough to be matched whole.'
    const found = scanner.scan(text)
    expect(found.map((m) => [m.task, m.example, text.slice(m.start, m.end)])).toEqual([
      [0, 0, 'THE QUICK brown fox - jumps over the lazy dog, near the old river bank today'],
      [0, 1, 'eight words are enough to be matched whole'],
    ])
    expect(found[0]!.spans).toBe(3)
  })

  it('flags nothing for text that shares only template words, or fewer than n words of an example', () => {
    const scanner = new TextScanner(index)
    expect(scanner.scan('Given two strings, determine the length of the longest common subsequence of them both. Strings: y')).toEqual([])
    expect(scanner.scan('The quick brown fox jumps over the lazy dog near the old.')).toEqual([])
    expect(scanner.scan('Too short to check.')).toEqual([])
    expect(scanner.scan('')).toEqual([])
  })

  it('keeps every example an n-gram belongs to, and survives an encode/decode round trip', () => {
    const shared = buildTextIndex([{key: 'a', examples: ['one two three four five six seven eight nine ten eleven twelve thirteen']}, {key: 'b', examples: ['x', 'one two three four five six seven eight nine ten eleven twelve thirteen']}], settings)
    const copy = NgramTable.decode(shared.table.encode().map((part) => new Uint8Array(part)))!
    const scanner = new TextScanner({...shared, table: copy})
    expect(scanner.scan('... one two three four five six seven eight nine ten eleven twelve thirteen ...').map((m) => [m.task, m.example])).toEqual([
      [0, 0],
      [1, 1],
    ])
    expect(NgramTable.decode([new Uint8Array(8)])).toBeUndefined()
  })

  it('grows its table past many keys and finds each', () => {
    const table = new NgramTable(16)
    for (let i = 0; i < 50_000; i++) table.add(i * 2654435761, i, packPosting(0, i))
    expect(table.size).toBe(50_000)
    let found = 0
    for (let i = 0; i < 50_000; i += 97) table.postings(table.lookup((i * 2654435761) >>> 0, i), (p) => (found += p === i ? 1 : 0))
    expect(found).toBe(Math.ceil(50_000 / 97))
    expect(table.lookup(1, 1)).toBe(0)
  })
})
