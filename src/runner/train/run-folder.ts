import {existsSync, readdirSync, statSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import type {TrainingDataFacts} from '../../benchmarks/benchmark.js'
import {plantedError, readRunManifestIfExists, type RunManifest} from '../../contracts/run-manifest.js'
import {DcbError} from '../../errors.js'
import type {InfraPlan} from '../../tracks/infra.js'
import type {ScaleRecipe} from '../../tracks/recipe.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import {ensureDirInside, lstatInside, UnsafePathError} from '../../util/no-follow.js'
import type {OfficialPlan} from './official-plan.js'

/**
 * Step 1 of `train()`: the run folder. A new folder, or an earlier run of the same recipe on the same
 * data (which the run then resumes); anything else is refused before a trainer starts.
 */

/** The previous run.json when RUN holds a run of the same recipe on the same data; undefined for a new run. */
export async function previousRun(runDir: string, recipe: ScaleRecipe, data: TrainingDataFacts, smoke = false): Promise<RunManifest | undefined> {
  if (!existsSync(runDir)) return undefined
  if (!statSync(runDir).isDirectory()) throw new DcbError('DCB_RUN_DIR', `run ${runDir}: exists and is not a folder`)
  const previous = (await readRunManifestIfExists(runDir))?.manifest
  if (!previous) {
    if (readdirSync(runDir).length > 0) throw new DcbError('DCB_RUN_DIR', `run ${runDir}: not empty and has no run.json; choose a new --out folder`)
    return undefined
  }
  const mismatch = previous.benchmark !== recipe.benchmark || previous.scale !== recipe.scale ? `${previous.benchmark} ${previous.scale}`
    : previous.recipe_hash !== recipe.hash ? `recipe ${previous.recipe_hash.slice(0, 12)}…`
      : previous.subset_fingerprint !== data.subsetFingerprint ? `subset ${previous.subset_fingerprint.slice(0, 12)}…`
        : Boolean(previous.smoke) !== smoke ? (previous.smoke ? 'a smoke run' : 'a full (non-smoke) run') : undefined
  if (mismatch) {
    throw new DcbError('DCB_RUN_DIR', `run ${runDir}: holds a run of ${mismatch}, not this ${recipe.benchmark} ${recipe.scale} run; a run folder resumes only the same recipe on the same data`, {
      suggestions: ['choose a new --out folder'],
    })
  }
  return previous
}

/** Runs `action`, turning a refused path in RUN into DCB_RUN_PLANTED. */
export function refusingPlanted<T>(action: () => T): T {
  try {
    return action()
  } catch (error) {
    if (error instanceof UnsafePathError) throw plantedError(error)
    throw error
  }
}

/**
 * Creates RUN/logs and writes RUN/recipe.json — the frozen recipe, its hash, this run's infrastructure
 * split and, for a smoke run, its overrides — and the files a smoke run needs (its tiny model config).
 * Nothing an earlier trainer left in RUN is followed (a planted link is refused).
 */
export async function prepareRunFolder(runDir: string, recipe: ScaleRecipe, track: string, infra: InfraPlan, official: OfficialPlan | null = null): Promise<void> {
  await mkdir(runDir, {recursive: true})
  const written = ['recipe.json', ...Object.keys(official?.files ?? {})]
  refusingPlanted(() => {
    ensureDirInside(runDir, 'logs')
    for (const path of written) {
      if (dirname(path) !== '.') ensureDirInside(runDir, dirname(path))
      const previous = lstatInside(runDir, path)
      if (previous && !previous.isFile()) throw new UnsafePathError(join(runDir, path), 'not a regular file')
    }
  })
  for (const [path, content] of Object.entries(official?.files ?? {})) await writeFileAtomic(join(runDir, path), content)
  await writeFileAtomic(join(runDir, 'recipe.json'), `${JSON.stringify(recipeDocument(recipe, track, infra, official), null, 2)}\n`)
}

/** RUN/recipe.json (docs/containers.md): what the trainer is told — the frozen recipe, the split, a smoke run's overrides. */
export function recipeDocument(recipe: ScaleRecipe, track: string, infra: InfraPlan, official: OfficialPlan | null = null): Record<string, unknown> {
  return {
    format: 'dcbench.recipe/1',
    benchmark: recipe.benchmark,
    scale: recipe.scale,
    track,
    recipe_hash: recipe.hash,
    recipe: recipe.recipe,
    derived: recipe.derived,
    infra,
    smoke: official?.smoke ?? null,
  }
}
