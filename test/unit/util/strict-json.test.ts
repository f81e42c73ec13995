import {describe, expect, it} from 'vitest'

import {createRng, type Rng} from '../../../src/util/rng.js'
import {decodeUtf8Strictly, parseStrictJson, parseStrictJsonBytes, StrictJsonError} from '../../../src/util/strict-json.js'

/** A random JSON value with the characters and numbers that trip parsers up. */
function randomValue(rng: Rng, depth = 0): unknown {
  const kind = rng.int(depth > 3 ? 4 : 6)
  if (kind === 0) return rng.chance(0.5) ? null : rng.chance(0.5)
  if (kind === 1) {
    const numbers = [0, -0, 1, -1, 0.1, 1e-7, 123456789.123, 2 ** 53, -(2 ** 60), 5e-324, 1.7976931348623157e308, rng.next() * 1e6 - 5e5]
    return numbers[rng.int(numbers.length)]
  }
  if (kind === 2 || kind === 3) return randomString(rng)
  if (kind === 4) return Array.from({length: rng.int(5)}, () => randomValue(rng, depth + 1))
  const out: Record<string, unknown> = {}
  for (let i = rng.int(5); i > 0; i--) out[randomString(rng)] = randomValue(rng, depth + 1)
  return out
}

function randomString(rng: Rng): string {
  const pieces = ['a', 'key', ' ', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', 'é', '\u2028', '😀', 'ß', '\ufeff', '\u{10ffff}']
  return Array.from({length: rng.int(6)}, () => pieces[rng.int(pieces.length)]).join('')
}

/** Whether a value has only null-prototype objects (arrays aside). */
function nullPrototypes(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true
  if (Array.isArray(value)) return value.every(nullPrototypes)
  return Object.getPrototypeOf(value) === null && Object.values(value).every(nullPrototypes)
}

function refusal(text: string): StrictJsonError {
  try {
    parseStrictJson(text)
  } catch (error) {
    if (error instanceof StrictJsonError) return error
    throw error
  }
  throw new Error(`accepted: ${text}`)
}

describe('parseStrictJson', () => {
  it('reads every valid document as JSON.parse does (500 random documents, compact and indented), with null-prototype objects', () => {
    const rng = createRng('strict-json')
    for (let n = 0; n < 500; n++) {
      const value = randomValue(rng)
      for (const text of [JSON.stringify(value), JSON.stringify(value, null, rng.int(3) + 1), ` \r\n\t${JSON.stringify(value)}\n`]) {
        const parsed = parseStrictJson(text)
        expect(parsed).toEqual(JSON.parse(text))
        expect(nullPrototypes(parsed)).toBe(true)
      }
    }
  })

  it('reads escapes, surrogate pairs (escaped or not) and numbers exactly as JSON.parse', () => {
    for (const text of [String.raw`"\u00e9\n\"\\\/\b\f\r\t"`, String.raw`"\ud83d\ude00"`, '"😀"', '-0', '1E+2', '1e-400', '0.1000000000000000055511151231257827', '[[],{},""]', String.raw`{"a\u0000b":1}`]) {
      expect(parseStrictJson(text)).toEqual(JSON.parse(text))
    }
    expect(Object.is(parseStrictJson('-0'), -0)).toBe(true)
  })

  it('gives objects without a prototype: inherited names are not there', () => {
    const parsed = parseStrictJson('{"a": {"b": 1}}') as Record<string, Record<string, unknown>>
    expect(Object.getPrototypeOf(parsed)).toBeNull()
    expect(parsed.toString).toBeUndefined()
    expect('hasOwnProperty' in (parsed.a as object)).toBe(false)
  })

  const REFUSED: [string, string, RegExp][] = [
    ['a duplicate key', '{"a": 1, "b": 2, "a": 3}', /line 1, column 18: duplicate key "a"/],
    ['a duplicate key, nested and spelled with an escape', '{"x": [{"ab": 1, "a\\u0062": 2}]}', /duplicate key "ab"/],
    ['__proto__', '{"tasks": {"__proto__": {"polluted": 1}}}', /key "__proto__" is not allowed/],
    ['__proto__ spelled with an escape', '{"\\u005f_proto__": 1}', /key "__proto__" is not allowed/],
    ['constructor', '{"constructor": {"prototype": 1}}', /key "constructor" is not allowed/],
    ['prototype', '[{"prototype": 0}]', /key "prototype" is not allowed/],
    ['1e400', '{"Average": 1e400}', /number 1e400 is not finite as a double/],
    ['-1e999', '[-1e999]', /number -1e999 is not finite/],
    ['NaN', '{"a": NaN}', /unexpected 'N'; expected a JSON value/],
    ['Infinity', '-Infinity', /unexpected '-'; expected a number|expected a number/],
    ['an escaped lone high surrogate', '"\\ud800"', /lone UTF-16 surrogate in a string \(\\u escape\)/],
    ['an escaped lone low surrogate', '"a\\udc00"', /lone UTF-16 surrogate/],
    ['a high surrogate escape followed by a non-surrogate', '"\\ud800\\u0041"', /lone UTF-16 surrogate/],
    ['a raw lone surrogate', '"\ud800x"', /lone UTF-16 surrogate in a string$/],
    ['a byte-order mark', '\ufeff{}', /line 1, column 1: unexpected byte-order mark/],
    ['a raw control character in a string', '"a\nb"', /control character U\+000A in a string/],
    ['a trailing comma', '[1, 2,]', /unexpected '\]'; expected a JSON value/],
    ['a trailing comma in an object', '{"a": 1,}', /expected a key in double quotes/],
    ['single quotes', "{'a': 1}", /expected a key in double quotes/],
    ['a comment', '{"a": 1 /* x */}', /expected ',' or '}'/],
    ['a leading zero', '01', /unexpected '1' after the JSON value/],
    ['a bare minus', '-', /expected a number/],
    ['a fraction without digits', '1.', /unexpected '\.' after the JSON value/],
    ['two values', '{} {}', /line 1, column 4: unexpected '\{' after the JSON value/],
    ['nothing', '', /unexpected end of text; expected a JSON value/],
    ['an unterminated string', '{"a": "b', /line 1, column 7: unterminated string/],
    ['an invalid escape', '"\\x41"', /invalid escape "\\\\x"/],
    ['a short \\u escape', '"\\u12"', /invalid \\u escape/],
    ['an unknown word', 'nul', /unexpected 'n'; expected a JSON value/],
    ['a position on a later line', '{\n  "a": 1,\n  "a": 2\n}', /^line 3, column 3: duplicate key "a"$/],
  ]
  it.each(REFUSED)('refuses %s, saying where', (_name, text, pattern) => {
    const error = refusal(text)
    expect(error.message).toMatch(pattern)
    expect(error.message).toBe(`line ${error.line}, column ${error.column}: ${error.reason}`)
  })

  it('refuses nesting past maxDepth without exhausting the stack', () => {
    expect(refusal(`${'['.repeat(100_000)}${']'.repeat(100_000)}`).reason).toBe('nesting deeper than 64 levels')
    expect(parseStrictJson(`${'['.repeat(64)}${']'.repeat(64)}`)).toBeTruthy()
    expect(() => parseStrictJson('[[[]]]', {maxDepth: 2})).toThrow(/nesting deeper than 2 levels/)
  })
})

describe('parseStrictJsonBytes and decodeUtf8Strictly', () => {
  it('reads valid UTF-8 as TextDecoder does', () => {
    const text = JSON.stringify({name: 'Zoë 😀', n: [1, 2]})
    expect(parseStrictJsonBytes(Buffer.from(text))).toEqual(JSON.parse(text))
  })

  const BAD_UTF8: [string, number[], number][] = [
    ['a lone continuation byte', [0x22, 0x80, 0x22], 1],
    ['an overlong slash', [0x22, 0x61, 0xc0, 0xaf, 0x22], 2],
    ['an encoded surrogate', [0x22, 0xed, 0xa0, 0x80, 0x22], 1],
    ['a truncated sequence', [0x22, 0xe2, 0x82], 1],
    ['a code point past U+10FFFF', [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], 1],
  ]
  it.each(BAD_UTF8)('refuses %s, naming the byte', (_name, bytes, offset) => {
    expect(() => decodeUtf8Strictly(new Uint8Array(bytes))).toThrow(new RegExp(`invalid UTF-8 at byte ${offset} `))
  })

  it('keeps a UTF-8 byte-order mark, so the parser refuses it', () => {
    expect(() => parseStrictJsonBytes(Buffer.from('\ufeff{}'))).toThrow(/byte-order mark/)
  })
})
