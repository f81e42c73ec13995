import {describe, expect, it} from 'vitest'

import {BloomFilter, hashTokens, NgramHasher, optimalNumberOfHashers, probOfFalsePositive} from '../../../src/benchmarks/dclm/bff/bloom.js'
import {createBffRun} from '../../../src/benchmarks/dclm/bff/filter.js'
import type {BffFlags} from '../../../src/filters/builtin-types.js'
import {DcbError} from '../../../src/errors.js'

/** |measured − predicted| within 5 standard deviations of a binomial count over `trials`. */
function expectNear(count: number, predictedCount: number, trials: number): void {
  const p = predictedCount / trials
  const sigma = Math.sqrt(trials * p * (1 - p))
  expect(Math.abs(count - predictedCount), `measured ${count}, predicted ${predictedCount.toFixed(1)} (σ ${sigma.toFixed(1)})`).toBeLessThan(5 * sigma)
}

describe('bff bloom filter false positives (a tiny filter)', () => {
  it("hit fresh n-grams at the rate bff's prob_of_false_positive predicts", () => {
    const bytes = 4096n
    const inserted = 3000
    const k = optimalNumberOfHashers(bytes, inserted)
    const filter = new BloomFilter(new NgramHasher(k, 7), bytes)
    const fp = (i: number): readonly [number, number] => filter.hasher.fingerprint(hashTokens([`token ${i}`, 'x', String(i * 7)]), 0, 3)
    for (let i = 0; i < inserted; i++) filter.insert(fp(i))
    for (let i = 0; i < inserted; i++) expect(filter.contains(fp(i))).toBe(true)
    const queries = 200_000
    let hits = 0
    for (let i = inserted; i < inserted + queries; i++) if (filter.contains(fp(i))) hits++
    const predicted = probOfFalsePositive(bytes, inserted, k)
    expect(predicted).toBeGreaterThan(0.001)
    expectNear(hits, predicted * queries, queries)
  })

  it('remove distinct documents (exact mode) as often as the formula predicts at each fill', () => {
    const run = createBffRun({removeType: 'exact', expectedNgramCount: 20_000, fpRate: 0.05}, 3)
    let removed = 0
    let predicted = 0
    for (let i = 0; i < 20_000; i++) {
      predicted += probOfFalsePositive(BigInt(run.sizeInBytes), i - removed, run.numHashers)
      if (!run.dedup(`distinct document ${i}`).keep) removed++
    }
    expect(run.predictedFpRate).toBeCloseTo(0.05, 2)
    expect(removed).toBeGreaterThan(100)
    expectNear(removed, predicted, 20_000)
  })
})

describe('dclm-bff settings', () => {
  const refused = (flags: BffFlags): string => {
    try {
      createBffRun(flags, 0)
    } catch (error) {
      expect(error).toBeInstanceOf(DcbError)
      expect((error as DcbError).code).toBe('DCB_FILTER_USAGE')
      return (error as DcbError).message
    }
    throw new Error(`accepted ${JSON.stringify(flags)}`)
  }

  it('refuses impossible settings in one line each', () => {
    const cases: [BffFlags, RegExp][] = [
      [{removeType: 'substring'}, /--remove-type 'substring' is not one of paragraph, document, both, naive-both, old-both, exact/],
      [{fpRate: 1.5}, /--fp-rate must be a number between 0 and 1 \(exclusive\), got 1\.5/],
      [{fpRate: 0}, /--fp-rate must be a number between 0 and 1/],
      [{fpRate: Number.NaN}, /--fp-rate must be a number between 0 and 1 \(exclusive\), got NaN/],
      [{filteringThreshold: -0.1}, /--filtering-threshold must be a number from 0 to 1, got -0\.1/],
      [{minNgramSize: 20}, /--min-ngram-size 20 is larger than --max-ngram-size 13/],
      [{maxNgramSize: 0}, /--max-ngram-size must be a whole number ≥ 1, got 0/],
      [{expectedNgramCount: 0}, /--expected-ngram-count must be a whole number ≥ 1, got 0/],
      [{expectedNgramCount: 10, fpRate: 0.9}, /rounds to no 32-bit word/],
      [{expectedNgramCount: 2 ** 50, maxBytes: 2 ** 52}, /cannot be allocated here: lower --bff-max-bytes or --expected-ngram-count/],
    ]
    for (const [flags, message] of cases) {
      const line = refused(flags)
      expect(line, JSON.stringify(flags)).toMatch(message)
      expect(line).not.toMatch(/\n/)
    }
  })

  it("takes DCLM's settings by default and states the memory, capped by --bff-max-bytes", () => {
    const run = createBffRun({expectedNgramCount: 1_000_000}, 0)
    expect(run.params).toEqual({removeType: 'old-both', minNgramSize: 13, maxNgramSize: 13, filteringThreshold: 0.8})
    // compute_bloom_size gives 1,199,119 bytes (the integration test checks it against the reference), rounded down to words
    expect(run.sizeInBytes).toBe(1_199_116)
    expect(run.numHashers).toBe(7)
    expect(run.notice).toMatch(/^bff: bloom filter of 1\.1 MiB, 7 hashers, sized for 1000000 13-grams: predicted false-positive rate 0\.0100 per n-gram/)
    const capped = createBffRun({expectedNgramCount: 1_000_000, maxBytes: 100_000}, 0)
    expect(capped.sizeInBytes).toBe(100_000)
    expect(capped.notice).toMatch(/capped at --bff-max-bytes: the rate asked for, 0\.01, needs more/)
    expect(capped.predictedFpRate).toBeGreaterThan(0.5)
  })
})
