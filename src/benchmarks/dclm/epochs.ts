import type {EpochReport} from '../../subset/epochs.js'
import type {PoolIndexSummary} from '../benchmark.js'
import type {DclmScaleRecipe} from './recipe.js'

/** Parses a tracks `info.pool_tokens` like "137B" or "1.64T". */
export function parseTokenCount(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined
  const match = /^(\d+(?:\.\d+)?)\s*([KMBT]?)$/i.exec(text.trim())
  if (!match) return undefined
  const scale = {'': 1, K: 1e3, M: 1e6, B: 1e9, T: 1e12}[(match[2] as string).toUpperCase()] as number
  return Number(match[1]) * scale
}

/**
 * The passes over a DCLM subset: its budget is tokens, its subset a list of documents.
 */
export function dclmEpochs(recipe: DclmScaleRecipe, samplesPerPass: number, index: PoolIndexSummary | undefined): EpochReport {
  const budget = recipe.derived.tokens
  // A document id list says nothing about document lengths: the exact epochs need the tokenized
  // subset. With the scale's pool size in tokens and the pool index's document count, the pool's
  // mean document length gives an estimate.
  const poolTokens = parseTokenCount(recipe.info.pool_tokens)
  if (poolTokens && index && index.unique > 0 && samplesPerPass > 0) {
    const tokensPerPass = (samplesPerPass * poolTokens) / index.unique
    return {
      budgetKind: 'tokens',
      budget,
      epochs: budget / tokensPerPass,
      estimated: true,
      note: `epochs estimated from the pool's mean document length (${recipe.info.pool_tokens as string} tokens / ${index.unique} documents); document lengths are only known after tokenizing`,
    }
  }
  return {
    budgetKind: 'tokens',
    budget,
    epochs: null,
    estimated: false,
    note: `epochs unknown: a document id list does not say how many tokens its documents hold (budget ${budget} tokens over ${samplesPerPass} documents per pass; tokenizing the subset gives the exact number)`,
  }
}
