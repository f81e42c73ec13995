import {totalmem} from 'node:os'

import {DcbError} from '../../../errors.js'
import type {BffFlags} from '../../../filters/builtin-types.js'
import {BloomFilter, computeBloomSize, NgramHasher, optimalNumberOfHashers, probOfFalsePositive} from './bloom.js'
import {bffDocument, REMOVE_TYPES, type BffParams, type BffResult, type RemoveType} from './dedup.js'

/**
 * A bff run over a pool: parameters checked, the bloom filter sized and allocated as upstream's
 * `BloomFilter::from_args` does, and documents deduplicated one by one in the order given.
 */

/** DCLM-Baseline's bff settings (dedup/bff/README.md at 361714b: "as described in the main paper"). */
export const DCLM_BFF_DEFAULTS = {removeType: 'old-both', minNgramSize: 13, maxNgramSize: 13, filteringThreshold: 0.8, fpRate: 0.01} as const
/** bff requires `--expected-ngram-count`; dcbench sizes for this many when none is given (about 120 MB at 1 %). */
export const DEFAULT_EXPECTED_NGRAMS = 100_000_000

/** A ready bff run: `dedup` takes each document's text in pool order. */
export interface BffRun {
  params: BffParams
  sizeInBytes: number
  numHashers: number
  /** The false-positive rate per n-gram the formula predicts at the expected n-gram count. */
  predictedFpRate: number
  /** One line: the filter's memory, hashers and predicted rate, for before the run starts. */
  notice: string
  dedup(text: string): BffResult
}

function usage(message: string): DcbError {
  return new DcbError('DCB_FILTER_USAGE', message, {suggestions: ['see docs/filters.md, "bff near-duplicate removal"']})
}

function integerFlag(flag: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < min) throw usage(`--${flag} must be a whole number ≥ ${min}, got ${String(v)}`)
  return v
}

function rateFlag(flag: string, value: number | undefined, fallback: number, open: boolean): number {
  const v = value ?? fallback
  const ok = Number.isFinite(v) && (open ? v > 0 && v < 1 : v >= 0 && v <= 1)
  if (!ok) throw usage(`--${flag} must be a number ${open ? 'between 0 and 1 (exclusive)' : 'from 0 to 1'}, got ${String(v)}`)
  return v
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`
}

/**
 * Checks `flags` (unset ones take DCLM's values), sizes the filter with `compute_bloom_size` and
 * upstream's hasher count, and allocates it. Impossible settings are refused in one line each.
 */
export function createBffRun(flags: BffFlags, seed: number): BffRun {
  const removeType = flags.removeType ?? DCLM_BFF_DEFAULTS.removeType
  if (!(REMOVE_TYPES as readonly string[]).includes(removeType)) {
    throw usage(`--remove-type '${removeType}' is not one of ${REMOVE_TYPES.join(', ')} (bff's substring mode is not reproduced)`)
  }
  const maxNgramSize = integerFlag('max-ngram-size', flags.maxNgramSize, DCLM_BFF_DEFAULTS.maxNgramSize, 1)
  const minNgramSize = integerFlag('min-ngram-size', flags.minNgramSize, DCLM_BFF_DEFAULTS.minNgramSize, 1)
  if (minNgramSize > maxNgramSize) throw usage(`--min-ngram-size ${minNgramSize} is larger than --max-ngram-size ${maxNgramSize}`)
  const filteringThreshold = rateFlag('filtering-threshold', flags.filteringThreshold, DCLM_BFF_DEFAULTS.filteringThreshold, false)
  const fpRate = rateFlag('fp-rate', flags.fpRate, DCLM_BFF_DEFAULTS.fpRate, true)
  const expected = integerFlag('expected-ngram-count', flags.expectedNgramCount, DEFAULT_EXPECTED_NGRAMS, 1)
  const sizingHashers = integerFlag('num-hashers', flags.numHashers, 0, 0)
  const ram = Math.floor(totalmem() * 0.9)
  const cap = integerFlag('bff-max-bytes', flags.maxBytes, ram, 4)

  const size = computeBloomSize(fpRate, expected, sizingHashers, BigInt(cap))
  if (size.bytes < 4n) throw usage(`a bloom filter for ${expected} n-grams at --fp-rate ${fpRate} rounds to no 32-bit word; raise --expected-ngram-count or lower --fp-rate`)
  // upstream's from_args: the hashers are the optimal number for the size found, whatever --num-hashers said
  const numHashers = optimalNumberOfHashers(size.bytes, expected)
  const words = size.bytes / 4n
  const bytes = Number(words * 4n)
  const predictedFpRate = probOfFalsePositive(words * 4n, expected, numHashers)
  let filter: BloomFilter
  try {
    filter = new BloomFilter(new NgramHasher(numHashers, seed), words * 4n)
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    throw usage(`a bloom filter of ${formatBytes(bytes)} (for ${expected} n-grams at --fp-rate ${fpRate}) cannot be allocated here: lower --bff-max-bytes or --expected-ngram-count`)
  }
  const params: BffParams = {removeType: removeType as RemoveType, minNgramSize, maxNgramSize, filteringThreshold}
  const capped = size.capped ? ` (capped at ${cap === ram ? '90 % of RAM' : '--bff-max-bytes'}: the rate asked for, ${fpRate}, needs more)` : ''
  const notice =
    `bff: bloom filter of ${formatBytes(bytes)}${capped}, ${numHashers} hashers, sized for ${expected} ${maxNgramSize}-grams: ` +
    `predicted false-positive rate ${predictedFpRate.toPrecision(3)} per n-gram; --remove-type ${removeType}, --filtering-threshold ${filteringThreshold}`
  return {params, sizeInBytes: bytes, numHashers, predictedFpRate, notice, dedup: (text) => bffDocument(filter, text, params)}
}
