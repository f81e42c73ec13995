import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {buildByteLevelBpe} from '../../../src/tokenizers/byte-level-bpe.js'
import {tokenizerFromJson} from '../../../src/tokenizers/hf-tokenizer.js'
import {buildTinyWorldTokenizerJson, loadShippedTokenizer, shippedTokenizerFile, TINY_WORLD_MAX_VOCAB, TINY_WORLD_TOKENIZER} from '../../../src/tokenizers/tiny-world.js'
import {dclm} from '../../../src/benchmarks/builtins.js'
import {recipeOf} from '../../../src/tracks/index.js'
import {createRng} from '../../../src/util/rng.js'
import {buildTextWorld, cleanDocument, splitWords, TEXT_VOCABULARY} from '../../../src/world/index.js'

const file = shippedTokenizerFile(TINY_WORLD_TOKENIZER)!
const tiny = loadShippedTokenizer(TINY_WORLD_TOKENIZER)

describe('the tiny-world tokenizer', () => {
  it('is what the generator writes today, byte for byte (run `npm run tokenizers` after changing the world)', () => {
    expect(buildTinyWorldTokenizerJson()).toBe(readFileSync(file, 'utf8'))
  })

  it('is the tokenizer the tiny DCLM recipe names, and fits its model vocabulary', () => {
    const recipe = recipeOf(dclm, 'tiny')
    expect(recipe.benchmark === 'dclm' && recipe.recipe.tokenizer).toBe(TINY_WORLD_TOKENIZER)
    expect(recipe.benchmark === 'dclm' && recipe.recipe.model_config.vocab_size).toBe(TINY_WORLD_MAX_VOCAB)
    expect(tiny.vocabSize).toBeLessThanOrEqual(TINY_WORLD_MAX_VOCAB)
    expect(tiny.tokenToId('<|endoftext|>')).toBe(0)
    expect(tiny.tokenToId('<|padding|>')).toBe(1)
    expect([...tiny.specialTokenIds].sort()).toEqual([0, 1])
  })

  it('spends one token per world word, with or without the space before it', () => {
    const letters = TEXT_VOCABULARY.filter((w) => /^[A-Za-z]+$/.test(w))
    expect(letters.length).toBeGreaterThan(200)
    for (const word of letters) {
      expect(tiny.encode(word), word).toHaveLength(1)
      expect(tiny.encode(` ${word}`), ` ${word}`).toHaveLength(1)
    }
  })

  it('tokenizes world documents into about one token per word and decodes them exactly', () => {
    const world = buildTextWorld(0)
    const rng = createRng('tokenizer-test')
    for (let i = 0; i < 20; i++) {
      const doc = cleanDocument(world, rng)
      const ids = tiny.encode(doc)
      expect(tiny.decode(ids)).toBe(doc)
      // Words, punctuation and newlines; "'s" is one GPT-2 pre-token where splitWords sees two.
      expect(ids.length).toBeLessThanOrEqual(splitWords(doc).length + (doc.match(/\n/g)?.length ?? 0))
    }
  })

  it('still tokenizes and exactly decodes text outside the world', () => {
    const text = 'Ünïcödé 日本語 🎉 xyzzy\t\r\n  <|endoftext|> 12345'
    const ids = tiny.encode(text)
    expect(ids).toContain(0)
    expect(tiny.decode(ids)).toBe(text)
  })
})

describe('byte-level BPE builder', () => {
  it('is deterministic and independent of word order and duplicates', () => {
    const a = buildByteLevelBpe(['zebra', 'apple', 'apricot'], {maxVocabSize: 1000})
    const b = buildByteLevelBpe(['apricot', 'zebra', 'apple', 'apple'], {maxVocabSize: 1000})
    expect(JSON.stringify(a.json)).toBe(JSON.stringify(b.json))
    const tok = tokenizerFromJson(a.json)
    expect(tok.encode(' apricot')).toHaveLength(1)
  })

  it('stops at the vocabulary ceiling, leaving longer words in pieces', () => {
    const small = buildByteLevelBpe(['abcdefgh'], {maxVocabSize: 260})
    expect(small.vocabSize).toBe(260)
    expect(tokenizerFromJson(small.json).encode('abcdefgh').length).toBeGreaterThan(1)
  })
})
