import {pySplitWhitespace, pyStrip} from './python-text.js'

/**
 * The ICL metrics of llm-foundry 0.9.0 (llmfoundry/eval/metrics/nlp.py at the tag) as pure functions
 * over per-example numbers; the scorer (score.ts) produces those numbers from the model.
 */

/**
 * InContextLearningLMAccuracy: correct iff every continuation token is the argmax of the logits one
 * position earlier.
 */
export function lmCorrect(predictions: readonly number[], targets: readonly number[]): boolean {
  return predictions.length === targets.length && predictions.every((p, i) => p === targets[i])
}

/**
 * InContextLearningMultipleChoiceAccuracy's choice: the option with the lowest perplexity
 * exp(mean token cross-entropy), first one on ties (`subset.index(min(subset))`). llm-foundry computes
 * the mean and the exp in float32 tensors; rounding through float32 here makes near-ties tie the
 * same way.
 */
export function multipleChoicePick(meanLosses: readonly number[]): number {
  let best = 0
  let bestPpl = Number.POSITIVE_INFINITY
  meanLosses.forEach((loss, i) => {
    const ppl = Math.fround(Math.exp(Math.fround(loss)))
    if (ppl < bestPpl) {
      best = i
      bestPpl = ppl
    }
  })
  return best
}

// string.punctuation + ‘ ’ ´ `
const PUNCTUATION = new Set([...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', '\u2018', '\u2019', '\u00b4', '`'])
// Python's \b on str patterns is Unicode-aware (\w = letters, digits, underscore)
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu

/** `normalize_answer`: underscores → spaces, lower-case, punctuation → spaces, articles dropped, whitespace squeezed. */
export function normalizeAnswer(answer: string): string {
  const lowered = answer.replaceAll('_', ' ').toLowerCase()
  const noPunct = [...lowered].map((ch) => (PUNCTUATION.has(ch) ? ' ' : ch)).join('')
  return pyStrip(pySplitWhitespace(noPunct.replace(ARTICLES, ' ')).join(' '))
}

/** The settings of a generation task's metric. */
export interface GenerationMetricSettings {
  /** `early_stopping_criteria`: the output is cut at the first match of their `|`-joined regex. */
  stoppingCriteria: readonly string[]
  /** The answer is the text after the last occurrence (when non-empty). */
  cotDelimiter: string
  doNormalization: boolean
}

/** The output after the stop-sequence cut and the cot split (before normalisation). */
export function finalAnswer(output: string, settings: GenerationMetricSettings): string {
  let answer = output
  if (settings.stoppingCriteria.length > 0) answer = answer.split(stopPattern(settings.stoppingCriteria))[0]!
  if (settings.cotDelimiter.length > 0) answer = answer.split(settings.cotDelimiter).at(-1)!
  return answer
}

/** InContextLearningGenerationExactMatchAccuracy: the cleaned output starts with a cleaned alias. */
export function generationCorrect(output: string, aliases: readonly string[], settings: GenerationMetricSettings): boolean {
  const answer = finalAnswer(output, settings)
  const clean = settings.doNormalization ? normalizeAnswer : pyStrip
  const cleaned = clean(answer)
  return aliases.some((label) => cleaned.startsWith(clean(label)))
}

const patterns = new Map<string, RegExp>()
/** `re.split('|'.join(stopping_criteria), …)`: the criteria are regex source, as in Python. */
export function stopPattern(criteria: readonly string[]): RegExp {
  const source = criteria.join('|')
  let pattern = patterns.get(source)
  if (!pattern) {
    try {
      pattern = new RegExp(source, 'u')
    } catch {
      pattern = new RegExp(source)
    }
    patterns.set(source, pattern)
  }
  return pattern
}

/**
 * Whether generated text already holds a stop sequence, so greedy generation can end there
 * (MultiTokenEOSCriteria tests `stop_sequence in decoded_text`; the cut itself is finalAnswer's).
 */
export function hitsStop(text: string, criteria: readonly string[]): boolean {
  return criteria.some((c) => text.includes(c))
}
