import type {FastTextClassifier} from '../../../filters/text/fasttext.js'
import {counterLineModifier, lineLengthModifier, newlineRemovalModifier, numericRatioLineModifier, substringLineModifier, uppercaseRatioLineModifier} from './line-modifiers.js'
import {
  alphabeticWordRatioFilter,
  bulletCountFilter,
  ellipsisCountFilter,
  fastTextWords,
  pageLengthFilter,
  stopWordFilter,
  symbolRatioFilter,
  wordLengthFilter,
} from './page-rules.js'
import {massiveWebRepetitionFilters} from './repetition.js'
import {urlRemovalModifier, urlSubstringFilter, type ChainPage} from './url-rules.js'

/**
 * DCLM's RefinedWeb chain: the steps of mlfoundations/dclm 361714b
 * baselines/baselines_configs/dclm_baseline_refinedweb.yaml, in its order, with its parameters —
 * the RefinedWeb reproduction (refinedweb.yaml) without its high-quality-domain URL filter.
 */

/** The word lists and TLDs the chain's URL steps read (upstream's baselines/mappers files). */
export interface RefinedWebLists {
  /** refinedweb_banned_domains_curated.txt; upstream does not ship it (undefined: the step is skipped). */
  bannedDomains?: readonly string[]
  strictWords: readonly string[]
  hardWords: readonly string[]
  softWords: readonly string[]
  /** iana_tlds.txt */
  tlds: readonly string[]
}

/** A step: keeps (true) or drops the page, and may rewrite its text. */
export interface ChainStep {
  /** Upstream's function name (the YAML's `func`). */
  name: string
  run(page: ChainPage): boolean
}

/** What the chain did to one page. */
export interface ChainResult {
  keep: boolean
  /** The page's text after the modifiers (upstream writes this text; a subset keeps the original document). */
  text: string
  /** The step that dropped it. */
  droppedBy?: string
}

/** `detect_lang_whole_page_enricher(model='fasttext')` + `language_filter`: the top label is one of `keep` with probability > threshold. */
function languageFilter(lid: FastTextClassifier, keep: readonly string[], threshold: number): (page: ChainPage) => boolean {
  return (page) => {
    // is_space_or_punct: such a page gets no language at all (and the filter then drops it)
    if (/^[ !-/:-@[-`{-~]*$/.test(page.text)) return false
    const {label, probability} = lid.predict(page.text.replaceAll('\n', ''))
    return keep.includes(label) && probability > threshold
  }
}

/** The chain's steps for these lists and this language-ID model. */
export function refinedWebSteps(lists: RefinedWebLists, lid: FastTextClassifier): ChainStep[] {
  const steps: ChainStep[] = []
  const add = (name: string, run: (page: ChainPage) => boolean): void => {
    steps.push({name, run})
  }
  if (lists.bannedDomains) add('url_substring_filter(domains)', urlSubstringFilter({banlist: lists.bannedDomains, exactDomainMatch: true, ignoreChars: ['www']}))
  add('url_substring_filter(strict)', urlSubstringFilter({banlist: lists.strictWords, ignoreChars: ['-', '.']}))
  add('url_substring_filter(hard)', urlSubstringFilter({banlist: lists.hardWords, matchSubstrings: false}))
  add('url_substring_filter(soft)', urlSubstringFilter({banlist: lists.softWords, numBannedSubstrs: 2, matchSubstrings: false}))
  add('url_removal_modifier', urlRemovalModifier(lists.tlds))
  add('newline_removal_modifier', newlineRemovalModifier(2))
  add('language_filter', languageFilter(lid, ['en'], 0.65))
  add('page_length_filter', (p) => pageLengthFilter(p.text, 50, 100_000))
  add('word_length_filter', (p) => wordLengthFilter(p.text, 3, 10))
  add('symbol_ratio_filter', (p) => symbolRatioFilter(p.text, 0.1))
  add('bullet_count_filter', (p) => bulletCountFilter(p.text, 0.9))
  add('ellipsis_count_filter', (p) => ellipsisCountFilter(p.text, 0.3))
  add('alphabetic_word_ratio_filter', (p) => alphabeticWordRatioFilter(p.text, 0.2))
  add('stop_word_filter', (p) => stopWordFilter(p.text, 2))
  add('massive_web_repetition_filters', (p) => massiveWebRepetitionFilters(p.text))
  add('word_counter_enricher', (p) => {
    p.previousWordCount = fastTextWords(p.text).length
    return true
  })
  add('uppercase_ratio_line_modifier', uppercaseRatioLineModifier(0.5))
  add('numeric_ratio_line_modifier', numericRatioLineModifier(0.999999))
  add('counter_line_modifier', counterLineModifier())
  add('line_length_modifier', lineLengthModifier(2))
  add('substring_line_modifier(items in cart)', substringLineModifier({pattern: 'items in cart', location: 'any', maxLength: 10}))
  add('substring_line_modifier(Read more...)', substringLineModifier({pattern: 'read more[^\\n][^\\n][^\\n]', location: 'suffix', maxLength: 10}))
  add('substring_line_modifier(Sign-in)', substringLineModifier({pattern: 'sign-in', location: 'prefix', maxLength: 10}))
  // word_removal_ratio_filter: more than 5 % of the words the line modifiers started with are gone
  add('word_removal_ratio_filter', (p) => {
    const before = p.previousWordCount ?? 0
    return before !== 0 && !((before - fastTextWords(p.text).length) / before > 0.05)
  })
  return steps
}

/** The URL a page's steps see: upstream's `move_url_modifier` takes `metadata['WARC-Target-URI']`; a pool without it keeps its `url`. */
export function chainUrl(url: string, metadata: Readonly<Record<string, unknown>>): string {
  const inner = metadata.metadata
  if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
    const warc = (inner as Record<string, unknown>)['WARC-Target-URI']
    if (typeof warc === 'string') return warc
  }
  return url
}

/** Runs the steps over one page, in order, stopping at the first that drops it. */
export function runChain(steps: readonly ChainStep[], text: string, url: string): ChainResult {
  const page: ChainPage = {text, url}
  for (const step of steps) {
    if (!step.run(page)) return {keep: false, text: page.text, droppedBy: step.name}
  }
  return {keep: true, text: page.text}
}
