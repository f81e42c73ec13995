import {canonicalHash} from '../util/canonical-json.js'

/**
 * The recipe hash: sha256 of the canonical JSON (keys sorted at every depth) of everything frozen for
 * a scale — the benchmark, the scale name, the merged recipe and the numbers derived from it. Key order
 * in the YAML and descriptive `info` fields do not change it; any frozen number does.
 */
export function recipeHash(benchmark: string, scale: string, recipe: object, derived: object): string {
  return canonicalHash({benchmark, scale, recipe, derived})
}
