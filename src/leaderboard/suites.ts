import type {Benchmark} from '../tracks/index.js'

/**
 * What the leaderboard needs to know about an eval suite. Every number comes from the eval module
 * that owns the suite (src/eval/<benchmark>/): the leaderboard never re-implements an aggregation,
 * it asks the suite's own aggregator to recompute submitted aggregates.
 */
export interface SuiteScoring {
  benchmark: Benchmark
  /** The suite name as recipes name it (`eval_suite`). */
  suite: string
  /** The version of the suite definition the harness carries. */
  version: string
  /** The scored tasks, in the suite's order, with their display names. */
  tasks: {key: string; name: string; group?: string}[]
  /** Recomputes the aggregates from per-task main metrics with the eval module's aggregator. */
  aggregate(tasks: Record<string, number>): Record<string, number>
  /** The aggregate that ranks a board (DataComp: `Average`; DCLM: CORE). */
  headline: string
  /** The aggregate columns a board shows, headline included, in display order. */
  columns: {key: string; label: string}[]
  /** Reads an eval output file (the eval module's format) into per-task main metrics. */
  readResults(file: string): Promise<Record<string, number>>
}

/** Finds the scoring of a suite by name; undefined when dcbench has no such suite. */
export type SuiteResolver = (suite: string) => SuiteScoring | undefined
