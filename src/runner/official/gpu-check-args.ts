import {getBenchmark} from '../../benchmarks/registry.js'
import {getRecipe} from '../../tracks/registry.js'
import {trainInfrastructure} from '../train/infrastructure.js'
import {officialPlan} from '../train/official-plan.js'
import {recipeDocument} from '../train/run-folder.js'

/**
 * What containers/official/gpu_check.py runs (containers/official/gpu-check-args.json, written by
 * `npm run gpu-check-args`; a unit test keeps the file equal to this): the smoke plans of DataComp small
 * and DCLM 400m-1x — their argument lists, recipe.json and files — as `bench train --smoke` makes them.
 * The GPU check cannot run dcbench itself (no node_modules travel to the GPU machine).
 */
export const GPU_CHECK_SCALES = {clip: ['datacomp', 'small'], lm: ['dclm', '400m-1x']} as const

export function gpuCheckArgs(): Record<string, {benchmark: string; scale: string; upstream_args: string[]; files: Record<string, string>; recipe: Record<string, unknown>}> {
  const out: ReturnType<typeof gpuCheckArgs> = {}
  for (const [kind, [benchmarkId, scale]] of Object.entries(GPU_CHECK_SCALES)) {
    const benchmark = getBenchmark(benchmarkId)
    const recipe = getRecipe({benchmark: benchmarkId, scale})
    const {infra} = trainInfrastructure({smoke: true}, recipe)
    const plan = officialPlan(benchmark, recipe, infra, '/nonexistent', true)
    out[kind] = {benchmark: benchmarkId, scale, upstream_args: plan.upstreamArgs, files: plan.files, recipe: recipeDocument(recipe, 'filtering', infra, plan)}
  }
  return out
}
