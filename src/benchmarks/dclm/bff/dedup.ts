import {hashTokens as hashStrings, type BloomFilter, type Fingerprint, type TokenHashes} from './bloom.js'
import {tokenize} from './tokenize.js'

/**
 * bff's per-document logic (mlfoundations/dclm 361714b, dedup/bff/src/main.rs): `process_line`
 * (paragraph, document), `process_line_both`, `process_line_oldboth`, the `NaiveBoth` arm of
 * `process_file` and `process_line_exact`, followed statement by statement — including the
 * quirks a subset must reproduce to select what upstream selects (named where they occur).
 * `--annotate` and the substring mode are not reproduced (docs/filters.md).
 */

/** bff's `--remove-type`s that dcbench reproduces. */
export const REMOVE_TYPES = ['paragraph', 'document', 'both', 'naive-both', 'old-both', 'exact'] as const
export type RemoveType = (typeof REMOVE_TYPES)[number]

/** The parameters of one bff run that decide what is removed. */
export interface BffParams {
  removeType: RemoveType
  minNgramSize: number
  maxNgramSize: number
  filteringThreshold: number
}

/** What bff writes for one document: its text after removal; `keep` is false when upstream skips the line (text empty after `trim()`). */
export interface BffResult {
  keep: boolean
  text: string
}

/** A text's tokens: their hashes and where each starts. */
interface Hashed {
  hashes: TokenHashes
  starts: number[]
  count: number
}

function hashTokens(text: string): Hashed {
  const tokens = tokenize(text)
  return {hashes: hashStrings(tokens.map((t) => t.text)), starts: tokens.map((t) => t.start), count: tokens.length}
}

/** `text.match_indices('\n')` bracketed by 0 and the length: the paragraph windows' ends. */
function newlineBounds(text: string): number[] {
  const bounds = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) bounds.push(i)
  bounds.push(text.length)
  return bounds
}

/** Step 2 of `process_line`: the unit's max-size n-grams, or the whole unit when it is short but not shorter than the min size. */
function unitNgrams(filter: BloomFilter, unit: string, params: BffParams): Fingerprint[] {
  const {hashes, count} = hashTokens(unit)
  const n = params.maxNgramSize
  const ngrams: Fingerprint[] = []
  for (let end = n; end <= count; end++) ngrams.push(filter.hasher.fingerprint(hashes, end - n, end))
  if (ngrams.length === 0 && count >= params.minNgramSize) ngrams.push(filter.hasher.fingerprint(hashes, 0, count))
  return ngrams
}

/** Rust's `trim()` / `trim_end()` (White_Space). */
const isBlank = (s: string): boolean => /^\p{White_Space}*$/u.test(s)
const trimEnd = (s: string): string => s.replace(/\p{White_Space}+$/u, '')

/**
 * `process_line` for paragraph and document removal, and the per-paragraph part of `old-both`:
 * a unit is removed when more than the threshold of its n-grams are in the filter (0/0 is NaN:
 * never); a kept unit's n-grams go in before the next unit is looked at, so a paragraph repeated
 * within one document is caught.
 */
function processUnits(filter: BloomFilter, text: string, params: BffParams, wholeText: boolean): {text: string; ngrams: number; contained: number} {
  const bounds = wholeText ? [0, text.length] : newlineBounds(text)
  let output = ''
  let last = 0
  let ngrams = 0
  let contained = 0
  for (let w = 0; w + 1 < bounds.length; w++) {
    const start = bounds[w]!
    const end = bounds[w + 1]!
    const unit = unitNgrams(filter, text.slice(start, end), params)
    const inFilter = unit.filter((fp) => filter.contains(fp)).length
    ngrams += unit.length
    contained += inFilter
    if (inFilter / unit.length > params.filteringThreshold) {
      output += text.slice(last, start)
      last = end
    } else {
      for (const fp of unit) filter.insert(fp)
    }
  }
  return {text: output + text.slice(last), ngrams, contained}
}

/**
 * `process_line_both`: n-grams over the whole text's tokens, bucketed by paragraph; a document at or
 * over the threshold (≥ here, > elsewhere) is removed whole, otherwise paragraphs at or over it are.
 * Upstream's paragraph index never advances (its `while *front_idx < newlines[paragraph_idx]` loop
 * cannot run), so every n-gram ending after the first newline goes to the "overflow" bucket: that is
 * reproduced.
 */
function processBoth(filter: BloomFilter, text: string, params: BffParams): string {
  const bounds = newlineBounds(text)
  const paragraphs = bounds.length - 1
  const buckets: Fingerprint[][] = Array.from({length: bounds.length}, () => [])
  const containedBy = new Array<number>(bounds.length).fill(0)
  const overflowSpans: [number, number][] = []
  const {hashes, starts, count} = hashTokens(text)
  const n = params.maxNgramSize
  const paragraphIdx = 0
  const add = (bucket: number, fp: Fingerprint): void => {
    buckets[bucket]!.push(fp)
    if (filter.contains(fp)) containedBy[bucket]!++
  }
  for (let end = n; end <= count; end++) {
    const lastStart = starts[end - 1]!
    const inParagraph = lastStart < bounds[paragraphIdx + 1]!
    if (!inParagraph) overflowSpans.push([starts[end - n]!, lastStart])
    add(inParagraph ? paragraphIdx : paragraphs, filter.hasher.fingerprint(hashes, end - n, end))
  }
  if (count < n && count >= params.minNgramSize) add(paragraphs, filter.hasher.fingerprint(hashes, 0, count))
  const total = buckets.reduce((sum, b) => sum + b.length, 0)
  const totalContained = containedBy.reduce((sum, c) => sum + c, 0)
  if (total === 0) return text
  if (totalContained / total >= params.filteringThreshold) return ''

  // spans and hashes of the overflow bucket, earliest last (upstream reverses both and pops)
  overflowSpans.reverse()
  const overflow = [...buckets[paragraphs]!].reverse()
  let output = ''
  for (let p = 0; p < paragraphs; p++) {
    const bucket = buckets[p]!
    const remove = bucket.length > 0 && containedBy[p]! / bucket.length >= params.filteringThreshold
    if (!remove) {
      output += text.slice(bounds[p], bounds[p + 1])
      for (const fp of bucket) filter.insert(fp)
    }
    while (overflowSpans.length > 0) {
      if (overflowSpans[overflowSpans.length - 1]![1] < bounds[p]!) {
        filter.insert(overflow[overflow.length - 1]!)
        overflowSpans.pop()
        overflow.pop()
      } else if (remove) {
        overflowSpans.pop()
        overflow.pop()
      } else {
        break
      }
    }
  }
  for (let i = overflow.length - 1; i >= 0; i--) filter.insert(overflow[i]!)
  return trimEnd(output)
}

/** `process_line_exact`: the whole text as a one-token n-gram; seen before → removed, else inserted. */
function processExact(filter: BloomFilter, text: string): string {
  const fp = filter.hasher.fingerprint(hashStrings([text]), 0, 1)
  if (filter.contains(fp)) return ''
  filter.insert(fp)
  return text
}

/**
 * One document through bff with `params`, updating `filter`; documents must come in the order the
 * run processes them. `keep` is false where upstream writes no line (`text.trim().is_empty()`), which
 * also drops documents that were blank to begin with.
 */
export function bffDocument(filter: BloomFilter, text: string, params: BffParams): BffResult {
  let out: string
  switch (params.removeType) {
    case 'paragraph':
    case 'document':
      out = processUnits(filter, text, params, params.removeType === 'document').text
      break
    case 'old-both': {
      const r = processUnits(filter, text, params, false)
      out = r.contained / r.ngrams > params.filteringThreshold ? '' : r.text
      break
    }
    case 'naive-both': {
      // document pass first; a kept document's n-grams are already in the filter when the paragraph
      // pass looks them up, so every long paragraph is then removed (dclm#83) — as upstream does
      const doc = processUnits(filter, text, params, true)
      out = doc.text === text ? processUnits(filter, text, params, false).text : doc.text
      break
    }
    case 'both':
      out = processBoth(filter, text, params)
      break
    case 'exact':
      out = processExact(filter, text)
      break
  }
  return {keep: !isBlank(out), text: out}
}
