import {describe, expect, it} from 'vitest'

import {checkCaption, checkOriginalSize} from '../../../src/benchmarks/datacomp/caption-rules.js'
import {checkDocument} from '../../../src/benchmarks/dclm/document-rules.js'
import {isBlank, NearDuplicateIndex} from '../../../src/benchmarks/datacomp/image-rules.js'
import {createRng} from '../../../src/util/rng.js'
import {
  allScenes,
  blankSample,
  boilerplateDocument,
  buildTextWorld,
  CAPTION_TEMPLATES,
  cleanSample,
  cleanTextDocument,
  CONTENT_FARM_LINES,
  CONTENT_FARM_SHARE,
  falseFactsDocument,
  fillCaption,
  nearDuplicateSample,
  nondescriptiveCaption,
  shuffledWordsDocument,
  spamDocument,
} from '../../../src/world/index.js'

describe('caption rules (DataComp basic_filter text part)', () => {
  it('keeps every descriptive caption the world can write', () => {
    for (const scene of allScenes()) for (const template of CAPTION_TEMPLATES) expect(checkCaption(fillCaption(template, scene)).keep).toBe(true)
  })

  it('drops most non-descriptive captions, each for a stated reason', () => {
    const rng = createRng('captions')
    const verdicts = Array.from({length: 500}, () => checkCaption(nondescriptiveCaption(rng)))
    const dropped = verdicts.filter((v) => !v.keep)
    expect(dropped.length / verdicts.length).toBeGreaterThan(0.6)
    for (const v of dropped) expect(['too_few_words', 'too_short', 'not_text']).toContain(v.reason)
  })

  it('applies the 200-px minimum side and 3:1 aspect ratio, keeping rows without sizes', () => {
    expect(checkOriginalSize({original_width: 640, original_height: 480})).toBe(true)
    expect(checkOriginalSize({original_width: 199, original_height: 480})).toBe(false)
    expect(checkOriginalSize({original_width: 1000, original_height: 300})).toBe(false)
    expect(checkOriginalSize({})).toBe(true)
  })
})

describe('image rules', () => {
  it('tells blank images from scenes', () => {
    const rng = createRng('blank')
    for (let i = 0; i < 50; i++) {
      expect(isBlank(blankSample(rng).image)).toBe(true)
      expect(isBlank(cleanSample(rng).image)).toBe(false)
    }
  })

  it('finds near-duplicates of earlier images and leaves distinct images alone', () => {
    const rng = createRng('dups')
    const index = new NearDuplicateIndex()
    const originals = Array.from({length: 300}, () => cleanSample(rng))
    const firstSeen = originals.filter((s) => index.seen(s.image)).length
    const copies = originals.map((s) => nearDuplicateSample(s, rng))
    const caught = copies.filter((s) => index.seen(s.image)).length
    expect(firstSeen).toBeLessThanOrEqual(3)
    expect(caught / copies.length).toBeGreaterThan(0.6)
  })
})

describe('document rules (C4 / Gopher / RefinedWeb-style page decisions)', () => {
  const world = buildTextWorld(0)
  const rng = createRng('documents')
  const share = (make: () => {text: string}): number => {
    let kept = 0
    for (let i = 0; i < 300; i++) if (checkDocument(make().text).keep) kept++
    return kept / 300
  }

  it('keeps clean documents', () => expect(share(() => cleanTextDocument(world, rng))).toBeGreaterThan(0.98))
  it('drops shuffled words, boilerplate and spam', () => {
    expect(share(() => shuffledWordsDocument(world, rng))).toBeLessThan(0.02)
    expect(share(() => boilerplateDocument(rng))).toBe(0)
    expect(share(() => spamDocument(rng))).toBe(0)
  })
  it('drops the false facts of content farms (their share lines) but cannot see fluent ones: that is what the oracle adds', () => {
    for (let i = 0; i < 300; i++) {
      const doc = falseFactsDocument(world, rng)
      const fromContentFarm = CONTENT_FARM_LINES.some((line) => doc.text.includes(`\n${line}`))
      expect(checkDocument(doc.text).keep, doc.text).toBe(!fromContentFarm)
    }
    expect(share(() => falseFactsDocument(world, rng))).toBeCloseTo(1 - CONTENT_FARM_SHARE, 1)
  })
  it('names the reason', () => {
    expect(checkDocument('Buy now! Buy now! Buy now! Buy now!').reason).toBe('repetition')
    expect(checkDocument('Accept all cookies\nHome | About us').reason).toBe('boilerplate_lines')
    expect(checkDocument('One line only.').reason).toBe('too_few_sentences')
    expect(checkDocument('the cat sat. on a mat today. dogs like sun too. birds sing loud now.').reason).toBe('not_sentences')
  })
})
