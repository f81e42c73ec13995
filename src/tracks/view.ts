import {getBenchmark} from '../benchmarks/registry.js'
import type {ScaleRecipe} from './recipe.js'

/**
 * The flat JSON view of a recipe that `bench tracks show --json` prints: identity, the hash, then
 * every frozen and derived field under the spec's own names, numbers as JSON numbers.
 */
export function recipeView(recipe: ScaleRecipe): Record<string, unknown> {
  return {
    benchmark: recipe.benchmark,
    scale: recipe.scale,
    status: recipe.status,
    tracks: recipe.tracks,
    recipe_hash: recipe.hash,
    ...recipe.recipe,
    ...recipe.derived,
    info: recipe.info,
  }
}

/** A one-line model summary for tables (the benchmark's own wording). */
export function modelSummary(recipe: ScaleRecipe): string {
  return getBenchmark(recipe.benchmark).recipe.modelSummary(recipe)
}

/** A one-line compute summary for tables: the sample or token budget and its cost. */
export function computeSummary(recipe: ScaleRecipe): string {
  return getBenchmark(recipe.benchmark).recipe.computeSummary(recipe)
}

/** 12800000 → 12.8M, 137788211200 → 137.8B. */
export function humanCount(value: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']]
  for (const [size, unit] of units) {
    if (value >= size) return `${Number((value / size).toFixed(value / size >= 100 ? 0 : 1))}${unit}`
  }
  return String(value)
}
