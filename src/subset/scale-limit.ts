import {getBenchmark} from '../benchmarks/registry.js'
import {listRecipes} from '../tracks/registry.js'
import type {ScaleRecipe} from '../tracks/recipe.js'
import type {SubsetRecordLimit} from './record-limit.js'

/** The limit of one scale, from its adapter's `subset.recordBudget`. */
export function recordLimitOf(recipe: ScaleRecipe): SubsetRecordLimit {
  const {records, budget} = getBenchmark(recipe.benchmark).subset.recordBudget(recipe)
  return {records, source: `the ${recipe.benchmark} ${recipe.scale} budget (${budget})`}
}

/**
 * Without a scale (`bench subset convert`, a DataComp reshard of a pool without pool.json): the
 * largest limit of any scale of `benchmark`, or of any registered benchmark.
 */
export function largestRecordLimit(options: {benchmark?: string; tracksDir?: string} = {}): SubsetRecordLimit {
  let best: {recipe: ScaleRecipe; records: number; budget: string} | undefined
  for (const recipe of listRecipes(options.tracksDir)) {
    if (options.benchmark !== undefined && recipe.benchmark !== options.benchmark) continue
    const {records, budget} = getBenchmark(recipe.benchmark).subset.recordBudget(recipe)
    if (!best || records > best.records) best = {recipe, records, budget}
  }
  if (!best) throw new Error(`largestRecordLimit: no scales of ${options.benchmark ?? 'any benchmark'}`)
  return {records: best.records, source: `the largest budget of any scale (${best.recipe.benchmark} ${best.recipe.scale}: ${best.budget}), as no scale was given`}
}
