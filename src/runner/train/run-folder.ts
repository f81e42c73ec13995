import {existsSync, readdirSync, statSync} from 'node:fs'
import {mkdir, rm, rmdir} from 'node:fs/promises'
import {join} from 'node:path'

import type {TrainingDataFacts} from '../../benchmarks/benchmark.js'
import {plantedError, readRunManifestIfExists, type RunManifest} from '../../contracts/run-manifest.js'
import {DcbError} from '../../errors.js'
import type {InfraPlan} from '../../tracks/infra.js'
import type {ScaleRecipe} from '../../tracks/recipe.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import {ensureDirInside, lstatInside, UnsafePathError} from '../../util/no-follow.js'

/**
 * Step 1 of `train()`: the run folder. A new folder, or an earlier run of the same recipe on the same
 * data (which the run then resumes); anything else is refused before a trainer starts.
 */

/** The previous run.json when RUN holds a run of the same recipe on the same data; undefined for a new run. */
export async function previousRun(runDir: string, recipe: ScaleRecipe, data: TrainingDataFacts): Promise<RunManifest | undefined> {
  if (!existsSync(runDir)) return undefined
  if (!statSync(runDir).isDirectory()) throw new DcbError('DCB_RUN_DIR', `run ${runDir}: exists and is not a folder`)
  const previous = (await readRunManifestIfExists(runDir))?.manifest
  if (!previous) {
    if (readdirSync(runDir).length > 0) throw new DcbError('DCB_RUN_DIR', `run ${runDir}: not empty and has no run.json; choose a new --out folder`)
    return undefined
  }
  const mismatch = previous.benchmark !== recipe.benchmark || previous.scale !== recipe.scale ? `${previous.benchmark} ${previous.scale}`
    : previous.recipe_hash !== recipe.hash ? `recipe ${previous.recipe_hash.slice(0, 12)}…`
      : previous.subset_fingerprint !== data.subsetFingerprint ? `subset ${previous.subset_fingerprint.slice(0, 12)}…` : undefined
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

/** Creates RUN/logs and writes RUN/recipe.json: the frozen recipe, its hash and this run's infrastructure split. */
export async function prepareRunFolder(runDir: string, recipe: ScaleRecipe, track: string, infra: InfraPlan): Promise<void> {
  await mkdir(runDir, {recursive: true})
  refusingPlanted(() => {
    ensureDirInside(runDir, 'logs')
    const previous = lstatInside(runDir, 'recipe.json')
    if (previous && !previous.isFile()) throw new UnsafePathError(join(runDir, 'recipe.json'), 'not a regular file')
  })
  const recipeDoc = {
    format: 'dcbench.recipe/1',
    benchmark: recipe.benchmark,
    scale: recipe.scale,
    track,
    recipe_hash: recipe.hash,
    recipe: recipe.recipe,
    derived: recipe.derived,
    infra,
  }
  await writeFileAtomic(join(runDir, 'recipe.json'), `${JSON.stringify(recipeDoc, null, 2)}\n`)
}

/**
 * Undoes `prepareRunFolder` for a new run that never started (its executor could not be had): the
 * folder goes when this run created it; in a folder that was there before, only recipe.json and an
 * empty logs/ go. A failed start leaves no run folder that looks like a run.
 */
export async function discardNewRunFolder(runDir: string, existedBefore: boolean): Promise<void> {
  if (!existedBefore) return rm(runDir, {recursive: true, force: true})
  await rm(join(runDir, 'recipe.json'), {force: true})
  // rmdir removes only an empty folder (and never follows a link planted in its place)
  await rmdir(join(runDir, 'logs')).catch(() => undefined)
}
