import {join} from 'node:path'

import type {FilterSpec} from '../benchmarks/benchmark.js'

/**
 * What `bench quickstart` does, as data: which benchmarks, which baseline filters, and where every
 * artefact goes under OUT. Every step writes into its own folder, so a second run resumes by skipping
 * what is already complete.
 */

/** A registered benchmark's id. */
export type QuickstartBenchmark = string

/** The baseline filters, in the order they run (random needs the heuristic's size). */
export const FULL_FILTERS = ['heuristic', 'none', 'random', 'oracle'] as const
/** `--fast`: the two ends of the ranking only — the same code paths, half the trainings. */
export const FAST_FILTERS = ['none', 'oracle'] as const
/**
 * Embedding-based pruning (docs/filters.md), on benchmarks whose pools carry embeddings: by default
 * one of each kind — deduplication and cluster-complexity pruning, the rows the literature sets
 * against heuristics — within the quickstart's time; `--all` adds SSL prototypes and D4.
 */
export const EMBEDDING_FILTERS = ['semdedup', 'density-pruning'] as const
export const ALL_EMBEDDING_FILTERS = ['semdedup', 'ssl-prototypes', 'density-pruning', 'd4'] as const
export type EmbeddingFilter = (typeof ALL_EMBEDDING_FILTERS)[number]
/**
 * A benchmark's official baselines that run on its tiny pool without files the pool lacks (rows run
 * where the adapter has a built-in of that name: DataComp's basic_filter and clip_score; DCLM's stages
 * need upstream's word lists or a classifier file). Each adds a training and an evaluation, about a
 * minute each on an idle 2-core machine (estimated, see README): by default the two that define the
 * small-scale baselines; `--all` adds text_based and the laion2b reproduction. image_based needs
 * ImageNet-1k train-image embeddings, which the tiny pool does not have.
 */
export const OFFICIAL_FILTERS = ['basic', 'clip-score'] as const
export const ALL_OFFICIAL_FILTERS = ['basic', 'clip-score', 'text-based', 'laion2b'] as const
export type OfficialFilter = (typeof ALL_OFFICIAL_FILTERS)[number]
export type BaselineFilter = (typeof FULL_FILTERS)[number] | OfficialFilter | EmbeddingFilter

/** Whether a quickstart row is an official baseline of some benchmark (run only where its adapter has it). */
export function isOfficialFilter(filter: BaselineFilter): filter is OfficialFilter {
  return (ALL_OFFICIAL_FILTERS as readonly string[]).includes(filter)
}

/** Whether a quickstart row needs the pool's embeddings. */
export function isEmbeddingFilter(filter: BaselineFilter): filter is EmbeddingFilter {
  return (ALL_EMBEDDING_FILTERS as readonly string[]).includes(filter)
}

/**
 * Whether a row runs on a benchmark (its adapter's filter part): an official row where the adapter
 * has a built-in of that name; an embedding-based row where its synthesized pools ship embeddings
 * (the adapter serves them and names a default array: DCLM's come only from `bench embed`).
 */
export function rowRuns(filter: BaselineFilter, spec: FilterSpec | undefined): boolean {
  if (isOfficialFilter(filter)) return spec?.builtins?.[filter] !== undefined
  if (isEmbeddingFilter(filter)) return spec?.embeddings !== undefined && spec.defaultEmbedding !== undefined
  return true
}

export interface QuickstartPlan {
  out: string
  benchmarks: QuickstartBenchmark[]
  filters: readonly BaselineFilter[]
  seed: number
  fast: boolean
}

export function makePlan(options: {out: string; benchmarks: readonly QuickstartBenchmark[]; fast: boolean; all?: boolean; seed: number}): QuickstartPlan {
  return {
    out: options.out,
    benchmarks: [...options.benchmarks],
    filters: options.fast ? FAST_FILTERS : [...FULL_FILTERS, ...(options.all ? [...ALL_OFFICIAL_FILTERS, ...ALL_EMBEDDING_FILTERS] : [...OFFICIAL_FILTERS, ...EMBEDDING_FILTERS])],
    seed: options.seed,
    fast: options.fast,
  }
}

/** OUT/<benchmark>/… and the shared key, board and site folders. */
export const layout = {
  pool: (p: QuickstartPlan, b: QuickstartBenchmark) => join(p.out, b, 'pool'),
  poolIndex: (p: QuickstartPlan, b: QuickstartBenchmark) => join(p.out, b, 'pool.uidx'),
  subset: (p: QuickstartPlan, b: QuickstartBenchmark, f: BaselineFilter) => join(p.out, b, 'subsets', `${f}.npy`),
  data: (p: QuickstartPlan, b: QuickstartBenchmark, f: BaselineFilter) => join(p.out, b, 'data', f),
  run: (p: QuickstartPlan, b: QuickstartBenchmark, f: BaselineFilter) => join(p.out, b, 'runs', f),
  eval: (p: QuickstartPlan, b: QuickstartBenchmark, f: BaselineFilter) => join(p.out, b, 'runs', f, 'eval'),
  entry: (p: QuickstartPlan, b: QuickstartBenchmark, f: BaselineFilter) => join(p.out, b, 'entries', `${f}.json`),
  keys: (p: QuickstartPlan) => join(p.out, 'keys'),
  board: (p: QuickstartPlan) => join(p.out, 'board'),
  site: (p: QuickstartPlan) => join(p.out, 'site'),
}
