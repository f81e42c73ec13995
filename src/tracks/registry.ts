import {readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {parse as parseYaml} from 'yaml'

import {DcbError, unknownChoice} from '../errors.js'
import {packageRoot} from '../util/paths.js'
import {describeZodError} from '../util/zod-issue.js'
import {deriveDataComp, deriveDclm, type DataCompDerived, type DclmDerived} from './derive.js'
import {recipeHash} from './hash.js'
import {
  BENCHMARKS,
  DataCompRecipe,
  DclmRecipe,
  TracksFile,
  type Benchmark,
  type ScaleStatus,
} from './schema.js'

interface ScaleRecipeBase {
  /** Where this recipe was read from. */
  file: string
  scale: string
  status: ScaleStatus
  /** Valid tracks for this benchmark. */
  tracks: string[]
  /** Descriptive fields (not hashed). */
  info: Record<string, unknown>
  /** sha256 of the canonical JSON of {benchmark, scale, recipe, derived}. */
  hash: string
}

export interface DataCompScaleRecipe extends ScaleRecipeBase {
  benchmark: 'datacomp'
  recipe: DataCompRecipe
  derived: DataCompDerived
}

export interface DclmScaleRecipe extends ScaleRecipeBase {
  benchmark: 'dclm'
  recipe: DclmRecipe
  derived: DclmDerived
}

/** One benchmark's frozen recipe at one compute scale. */
export type ScaleRecipe = DataCompScaleRecipe | DclmScaleRecipe

/** All scales of all benchmarks, in file order. */
export interface Registry {
  benchmarks: Record<Benchmark, {file: string; source: string; tracks: Record<string, string>; scales: ScaleRecipe[]}>
}

/** The folder holding tracks/<benchmark>.yaml. */
export function defaultTracksDir(): string {
  return join(packageRoot(), 'tracks')
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel.startsWith('..') ? file : rel
}

/** Reads and validates one tracks file; every problem names the file and the field. */
export function loadTracksFile(file: string): Registry['benchmarks'][Benchmark] & {benchmark: Benchmark} {
  const shown = displayPath(file)
  let raw: unknown
  try {
    raw = parseYaml(readFileSync(file, 'utf8'), {merge: true})
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message.split('\n')[0]
    throw new DcbError('DCB_TRACKS_FILE', `${shown}: ${reason}`)
  }
  const parsed = TracksFile.safeParse(raw)
  if (!parsed.success) throw new DcbError('DCB_TRACKS_FILE', `${shown}: ${describeZodError(parsed.error)}`)
  const data = parsed.data

  const scales = Object.entries(data.scales).map(([scale, entry]): ScaleRecipe => {
    const merged = {...data.common, ...entry.recipe}
    const base = {file, scale, status: entry.status, tracks: Object.keys(data.tracks), info: entry.info}
    if (data.benchmark === 'datacomp') {
      const recipe = DataCompRecipe.safeParse(merged)
      if (!recipe.success) {
        throw new DcbError('DCB_TRACKS_FILE', `${shown}: ${describeZodError(recipe.error, ['scales', scale, 'recipe'])}`)
      }
      const derived = deriveDataComp(recipe.data)
      return {...base, benchmark: 'datacomp', recipe: recipe.data, derived, hash: recipeHash('datacomp', scale, recipe.data, derived)}
    }
    const recipe = DclmRecipe.safeParse(merged)
    if (!recipe.success) {
      throw new DcbError('DCB_TRACKS_FILE', `${shown}: ${describeZodError(recipe.error, ['scales', scale, 'recipe'])}`)
    }
    const derived = deriveDclm(recipe.data)
    return {...base, benchmark: 'dclm', recipe: recipe.data, derived, hash: recipeHash('dclm', scale, recipe.data, derived)}
  })
  return {benchmark: data.benchmark, file, source: data.source, tracks: data.tracks, scales}
}

const registryCache = new Map<string, Registry>()

/** Loads tracks/datacomp.yaml and tracks/dclm.yaml (once per folder per process). */
export function loadRegistry(dir: string = defaultTracksDir()): Registry {
  const cached = registryCache.get(dir)
  if (cached) return cached
  const benchmarks = {} as Registry['benchmarks']
  for (const benchmark of BENCHMARKS) {
    const file = join(dir, `${benchmark}.yaml`)
    const loaded = loadTracksFile(file)
    if (loaded.benchmark !== benchmark) {
      throw new DcbError('DCB_TRACKS_FILE', `${displayPath(file)}: benchmark: expected '${benchmark}', received '${loaded.benchmark}'`)
    }
    benchmarks[benchmark] = loaded
  }
  const registry = {benchmarks}
  registryCache.set(dir, registry)
  return registry
}

/** Validates a benchmark name given by a user. */
export function parseBenchmark(value: string): Benchmark {
  if ((BENCHMARKS as readonly string[]).includes(value)) return value as Benchmark
  throw unknownChoice('benchmark', value, BENCHMARKS)
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
  const benchmark = parseBenchmark(options.benchmark)
  const entry = loadRegistry(options.tracksDir).benchmarks[benchmark]
  const recipe = entry.scales.find((s) => s.scale === options.scale)
  if (!recipe) throw unknownChoice(`${benchmark} scale`, options.scale, entry.scales.map((s) => s.scale))
  if (options.track !== undefined && !(options.track in entry.tracks)) {
    throw unknownChoice(`${benchmark} track`, options.track, Object.keys(entry.tracks))
  }
  return recipe
}

/** Every scale of every benchmark. */
export function listRecipes(tracksDir?: string): ScaleRecipe[] {
  const registry = loadRegistry(tracksDir)
  return BENCHMARKS.flatMap((b) => registry.benchmarks[b].scales)
}
