import {readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {parse as parseYaml} from 'yaml'

import type {Benchmark} from '../benchmarks/benchmark.js'
import {benchmarkIds, getBenchmark, isBenchmark, listBenchmarks, registryGeneration} from '../benchmarks/registry.js'
import {DcbError, unknownChoice} from '../errors.js'
import {packageRoot} from '../util/paths.js'
import {describeZodError} from '../util/zod-issue.js'
import {recipeHash} from './hash.js'
import type {RecipeBase, ScaleRecipe} from './recipe.js'
import {TracksFile} from './schema.js'

/** One tracks file: a benchmark's tracks and the recipe of each of its scales, in file order. */
export interface TracksFileRecipes {
  benchmark: string
  file: string
  source: string
  tracks: Record<string, string>
  scales: ScaleRecipe[]
}

/** Every registered benchmark's tracks file, by benchmark id. */
export interface Registry {
  benchmarks: Record<string, TracksFileRecipes>
}

/** The folder holding the built-in benchmarks' tracks files (tracks/<benchmark>.yaml). */
export function defaultTracksDir(): string {
  return join(packageRoot(), 'tracks')
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel.startsWith('..') ? file : rel
}

/**
 * Reads and validates one tracks file: its `benchmark` names the adapter whose recipe schema checks
 * every scale. Every problem names the file and the field.
 */
export function loadTracksFile(file: string): TracksFileRecipes {
  const shown = displayPath(file)
  let raw: unknown
  try {
    raw = parseYaml(readFileSync(file, 'utf8'), {merge: true, uniqueKeys: true})
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message.split('\n')[0]
    throw new DcbError('DCB_TRACKS_FILE', `${shown}: ${reason}`)
  }
  const parsed = TracksFile.safeParse(raw)
  if (!parsed.success) throw new DcbError('DCB_TRACKS_FILE', `${shown}: ${describeZodError(parsed.error)}`)
  const data = parsed.data
  if (!isBenchmark(data.benchmark)) {
    throw new DcbError('DCB_TRACKS_FILE', `${shown}: benchmark: '${data.benchmark}' is not a registered benchmark (${benchmarkIds().join(', ')})`)
  }
  const adapter: Benchmark = getBenchmark(data.benchmark)
  const scales = Object.entries(data.scales).map(([scale, entry]): ScaleRecipe => {
    const recipe = adapter.recipe.schema.safeParse({...data.common, ...entry.recipe})
    if (!recipe.success) throw new DcbError('DCB_TRACKS_FILE', `${shown}: ${describeZodError(recipe.error, ['scales', scale, 'recipe'])}`)
    const derived = adapter.recipe.derive(recipe.data)
    return {
      benchmark: adapter.id, file, scale, status: entry.status, tracks: Object.keys(data.tracks), info: entry.info,
      recipe: recipe.data, derived, hash: recipeHash(adapter.id, scale, recipe.data, derived),
    }
  })
  return {benchmark: adapter.id, file, source: data.source, tracks: data.tracks, scales}
}

const registryCache = new Map<string, Registry>()

/**
 * Loads the tracks file of every registered benchmark (once per folder and set of benchmarks): each
 * adapter's own `tracksFile`, or `<dir>/<id>.yaml` when a folder is given (tests).
 */
export function loadRegistry(dir?: string): Registry {
  const key = `${registryGeneration()}:${dir ?? ''}`
  const cached = registryCache.get(key)
  if (cached) return cached
  const benchmarks: Record<string, TracksFileRecipes> = {}
  for (const adapter of listBenchmarks()) {
    const file = dir === undefined ? adapter.tracksFile : join(dir, `${adapter.id}.yaml`)
    const loaded = loadTracksFile(file)
    if (loaded.benchmark !== adapter.id) {
      throw new DcbError('DCB_TRACKS_FILE', `${displayPath(file)}: benchmark: expected '${adapter.id}', received '${loaded.benchmark}'`)
    }
    benchmarks[adapter.id] = loaded
  }
  const registry = {benchmarks}
  registryCache.set(key, registry)
  return registry
}

export interface GetRecipeOptions {
  benchmark: string
  scale: string
  /** When given, must be one of the benchmark's tracks. */
  track?: string
  tracksDir?: string
}

/** The frozen recipe of one benchmark and scale; unknown names fail with the valid ones listed. */
export function getRecipe(options: GetRecipeOptions): ScaleRecipe {
  const benchmark = getBenchmark(options.benchmark).id
  const entry = loadRegistry(options.tracksDir).benchmarks[benchmark] as TracksFileRecipes
  const recipe = entry.scales.find((s) => s.scale === options.scale)
  if (!recipe) throw unknownChoice(`${benchmark} scale`, options.scale, entry.scales.map((s) => s.scale))
  if (options.track !== undefined && !(options.track in entry.tracks)) {
    throw unknownChoice(`${benchmark} track`, options.track, Object.keys(entry.tracks))
  }
  return recipe
}

/**
 * `getRecipe` typed by the adapter: `recipeOf(dclm, '7b-1x').recipe.model_config`. Every recipe of a
 * benchmark was parsed by that adapter's schema, so its type is the adapter's.
 */
export function recipeOf<R extends RecipeBase, D extends object>(benchmark: Benchmark<R, D>, scale: string, options: Omit<GetRecipeOptions, 'benchmark' | 'scale'> = {}): ScaleRecipe<R, D> {
  return getRecipe({...options, benchmark: benchmark.id, scale}) as ScaleRecipe<R, D>
}

/** Every scale of every registered benchmark. */
export function listRecipes(tracksDir?: string): ScaleRecipe[] {
  return Object.values(loadRegistry(tracksDir).benchmarks).flatMap((b) => b.scales)
}
