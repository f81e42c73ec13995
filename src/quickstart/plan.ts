import {join} from 'node:path'


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
export type BaselineFilter = (typeof FULL_FILTERS)[number] | EmbeddingFilter

/** Whether a quickstart row needs the pool's embeddings. */
export function isEmbeddingFilter(filter: BaselineFilter): filter is EmbeddingFilter {
  return (ALL_EMBEDDING_FILTERS as readonly string[]).includes(filter)
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
    filters: options.fast ? FAST_FILTERS : [...FULL_FILTERS, ...(options.all ? ALL_EMBEDDING_FILTERS : EMBEDDING_FILTERS)],
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
