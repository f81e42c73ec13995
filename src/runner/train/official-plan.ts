import type {Benchmark} from '../../benchmarks/benchmark.js'
import type {InfraPlan} from '../../tracks/infra.js'
import type {ScaleRecipe} from '../../tracks/recipe.js'
import type {OfficialVariant} from '../official-image.js'
import type {SmokeRun} from '../../contracts/run-manifest.js'
import {applyOverrides} from '../official/smoke-args.js'

/**
 * What an official-scale attempt runs (docs/official.md): the official image's wrapper around the
 * upstream entry point, with the scale's exact argument list — or, for a smoke run, that list with
 * exactly the adapter's overrides, on one CPU process.
 */


export interface OfficialPlan {
  /** The official image (`clip`, `lm`) and which build of it. */
  image: string
  variant: OfficialVariant
  /** `python -m ENTRY_POINT` inside the image. */
  entryPoint: string
  /** The argument list the entry point receives. */
  upstreamArgs: string[]
  /** The container command: the wrapper, then the argument list. */
  command: string[]
  /** What run.json records under `smoke` (one process: upstream cannot run distributed on CPU). */
  smoke: SmokeRun | null
  /** Files the run folder needs before the trainer starts (relative path → content). */
  files: Record<string, string>
}

/** The official-scale plan of a run; `smoke` applies the adapter's smoke overrides. */
export function officialPlan(benchmark: Benchmark, recipe: ScaleRecipe, infra: InfraPlan, dataDir: string, smoke: boolean): OfficialPlan {
  const training = benchmark.training as NonNullable<Benchmark['training']>
  const official = training.official
  const args = training.officialArgs(recipe, infra, dataDir)
  let upstreamArgs = args
  let smokeRecord: SmokeRun | null = null
  let files: Record<string, string> = {}
  if (smoke) {
    const spec = official.smoke(recipe, infra)
    const applied = applyOverrides(args, spec.overrides)
    upstreamArgs = applied.args
    files = spec.files
    smokeRecord = {overrides: applied.applied.map((o) => ({...o})), processes: 1, files: Object.keys(files)}
  }
  return {
    image: official.image,
    variant: smoke ? 'smoke' : 'gpu',
    entryPoint: official.entryPoint,
    upstreamArgs,
    command: ['train', official.image, '--', ...upstreamArgs],
    smoke: smokeRecord,
    files,
  }
}
