import {createHash} from 'node:crypto'

import {DcbError} from '../errors.js'
import {benchmarkIds, getBenchmark} from '../benchmarks/registry.js'
import type {DataFilter, FilterContext, PoolRecord} from './filter.js'

/**
 * The baseline filters `bench filter --filter NAME` and `bench quickstart` use (docs/filters.md).
 * Each is a factory over the run's context, like a participant's filter module.
 */
export const BUILTIN_FILTERS: Readonly<Record<string, {description: string; create: (context: FilterContext) => DataFilter<PoolRecord>}>> = {
  none: {description: 'every sample of the pool (DataComp no_filter)', create: noFilter},
  random: {description: 'a uniformly random subset; needs --size or --fraction', create: randomFilter},
  heuristic: {
    description: 'DataComp: basic_filter caption/size rules + blank images + near-duplicates; DCLM: C4/Gopher/RefinedWeb-style page rules',
    create: heuristicFilter,
  },
  oracle: {description: "the pool's ground-truth `quality` label: keeps only clean samples (tiny pools only; cheating by design)", create: oracleFilter},
}

export function builtinFilterNames(): string[] {
  return Object.keys(BUILTIN_FILTERS)
}

function noFilter(): DataFilter<PoolRecord> {
  return {name: 'none', benchmarks: benchmarkIds(), decide: () => true}
}

/** A score per uid from (seed, uid): with a size, the top of it is a seeded uniform sample. */
function randomFilter(context: FilterContext): DataFilter<PoolRecord> {
  return {
    name: 'random',
    benchmarks: benchmarkIds(),
    decide: (record) => createHash('sha256').update(`dcbench-random-filter:${context.seed}:${record.uid}`).digest().readUInt32BE(0) / 2 ** 32,
  }
}

/** The benchmark's own rule-based baseline (its adapter's `filter.heuristic`). */
function heuristicFilter(context: FilterContext): DataFilter<PoolRecord> {
  const filter = getBenchmark(context.benchmark).filter
  if (!filter) throw new DcbError('DCB_FILTER_USAGE', `benchmark '${context.benchmark}' has no pool records to filter`)
  return filter.heuristic(context)
}

function oracleFilter(context: FilterContext): DataFilter<PoolRecord> {
  return {
    name: 'oracle',
    benchmarks: benchmarkIds(),
    decide: (record) => {
      const quality = record.metadata.quality
      if (typeof quality !== 'string') {
        throw new DcbError('DCB_FILTER_POOL', `pool ${context.pool}: sample ${record.uid} has no ground-truth 'quality' field; the oracle filter only works on pools made by bench pool synth`)
      }
      return quality === 'clean'
    },
  }
}
