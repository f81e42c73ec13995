import {DcbError} from '../../../errors.js'
import type {BuiltinFilter, BuiltinFilterOptions} from '../../../filters/builtin-types.js'
import type {DataFilter, FilterContext, PoolRecord} from '../../../filters/filter.js'
import {loadFastText, type FastTextClassifier} from '../../../filters/text/fasttext.js'
import {pyStrip} from '../../../eval/lm/python-text.js'
import {createBffRun} from '../bff/filter.js'
import type {DocumentRecord} from '../records.js'
import {chainUrl, refinedWebSteps, runChain} from './chain.js'
import {loadRefinedWebLists} from './lists.js'
import {pySplitlines} from './python-chars.js'

/**
 * DCLM's baseline stages as built-in filters (docs/filters.md, "DCLM's baselines"): the RefinedWeb
 * heuristic chain, bff near-duplicate removal, the fastText quality classifier, and the three chained.
 */

const BENCHMARK = 'dclm'
/** The threshold of upstream's baselines_configs/fasttext_filter.yaml (DCLM-Baseline's top ~10 %). */
export const DCLM_QUALITY_THRESHOLD = 0.018112

function usage(message: string): DcbError {
  return new DcbError('DCB_FILTER_USAGE', message, {suggestions: ["see docs/filters.md, \"DCLM's baselines\""]})
}

/**
 * `classify_fasttext_hq_prob` (enrichers/quality_prediction_enrichers_calc_fasttext.py): the
 * stripped text's lines joined by spaces; the top label's probability, or 1 − it when the label is `cc`.
 */
export function qualityScore(model: FastTextClassifier, text: string): number {
  const {label, probability} = model.predict(pySplitlines(pyStrip(text)).join(' '))
  return label === 'cc' ? 1 - probability : probability
}

async function qualityModel(name: string, options: BuiltinFilterOptions): Promise<FastTextClassifier> {
  if (options.model === undefined) throw usage(`filter '${name}' needs --model FILE, a fastText quality classifier (DCLM's: Hugging Face mlfoundations/fasttext-oh-eli5)`)
  return loadFastText(options.model)
}

function threshold(options: BuiltinFilterOptions, fallback?: number): number | undefined {
  const t = options.threshold ?? fallback
  if (t !== undefined && !Number.isFinite(t)) throw usage(`--threshold must be a number, got ${String(t)}`)
  return t
}

async function refinedWebFilter(_context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const steps = refinedWebSteps(await loadRefinedWebLists(options.upstreamMappers, 'dclm-refinedweb'), await loadFastText(options.lidModel))
  return {
    name: 'dclm-refinedweb',
    benchmarks: [BENCHMARK],
    decide: (record) => {
      const doc = record as DocumentRecord
      return runChain(steps, doc.text, chainUrl(doc.url, doc.metadata)).keep
    },
  }
}

async function fastTextQualityFilter(_context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const model = await qualityModel('dclm-fasttext', options)
  const t = threshold(options)
  return {
    name: 'dclm-fasttext',
    benchmarks: [BENCHMARK],
    // quality_filter keeps score ≥ threshold; without one the score ranks the pool for --size/--fraction
    decide: (record) => {
      const score = qualityScore(model, (record as DocumentRecord).text)
      return t === undefined ? score : score >= t
    },
  }
}

async function bffFilter(context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const bff = createBffRun(options.bff ?? {}, context.seed)
  options.onNotice?.(bff.notice)
  return {name: 'dclm-bff', benchmarks: [BENCHMARK], decide: (record) => bff.dedup((record as DocumentRecord).text).keep}
}

async function baselineFilter(context: FilterContext, options: BuiltinFilterOptions): Promise<DataFilter<PoolRecord>> {
  const model = await qualityModel('dclm-baseline', options)
  const steps = refinedWebSteps(await loadRefinedWebLists(options.upstreamMappers, 'dclm-baseline'), await loadFastText(options.lidModel))
  const t = threshold(options, DCLM_QUALITY_THRESHOLD) as number
  const bff = createBffRun(options.bff ?? {}, context.seed)
  options.onNotice?.(bff.notice)
  return {
    name: 'dclm-baseline',
    benchmarks: [BENCHMARK],
    // DCLM's order: the RefinedWeb chain's output goes through bff, whose output the classifier scores
    decide: (record) => {
      const doc = record as DocumentRecord
      const result = runChain(steps, doc.text, chainUrl(doc.url, doc.metadata))
      if (!result.keep) return false
      const deduped = bff.dedup(result.text)
      if (!deduped.keep) return false
      return qualityScore(model, deduped.text) >= t
    },
  }
}

/** DCLM's baseline filters, by `bench filter --filter` name. */
export const DCLM_BASELINES: Readonly<Record<string, BuiltinFilter>> = {
  'dclm-refinedweb': {
    description: "DCLM's RefinedWeb heuristic chain (dclm_baseline_refinedweb.yaml: URL lists, language ID, Gopher rules, line modifiers); needs --upstream-mappers",
    wholePool: false,
    create: refinedWebFilter,
  },
  'dclm-bff': {
    description: "DCLM's bff near-duplicate removal (bloom filter over 13-grams, --remove-type old-both: paragraphs and documents with > 80 % seen n-grams); --expected-ngram-count, --fp-rate, --bff-max-bytes",
    wholePool: 'its bloom filter holds the n-grams of every earlier document in pool order',
    create: bffFilter,
  },
  'dclm-fasttext': {description: "DCLM's fastText quality classifier: --model FILE; keeps score ≥ --threshold, or the best --size/--fraction", wholePool: false, create: fastTextQualityFilter},
  'dclm-baseline': {
    description: 'dclm-refinedweb, then dclm-bff, then the fastText classifier at --threshold (default 0.018112) on the rewritten text',
    wholePool: 'its bff dedup holds the n-grams of every earlier document in pool order',
    create: baselineFilter,
  },
}
