import {createHash} from 'node:crypto'

import {DcbError} from '../errors.js'
import {benchmarkIds, getBenchmark, listBenchmarks} from '../benchmarks/registry.js'
import type {BuiltinFilter} from './builtin-types.js'
import {EMBEDDING_FILTERS} from './embeddings/builtins.js'
import type {DataFilter, FilterContext, PoolRecord} from './filter.js'

/**
 * The filters every benchmark has, which `bench filter --filter NAME` and `bench quickstart` use
 * (docs/filters.md). Each is a factory over the run's context, like a participant's filter module;
 * a benchmark's own published baselines come from its adapter (`filter.builtins`).
 */
export const BUILTIN_FILTERS: Readonly<Record<string, BuiltinFilter>> = {
  none: {description: 'every sample of the pool (DataComp no_filter)', wholePool: false, create: noFilter},
  // a score per sample from (seed, uid) alone: the merge of sharded runs keeps the best of all of them
  random: {description: 'a uniformly random subset; needs --size or --fraction', wholePool: false, create: randomFilter},
  heuristic: {
    description: 'DataComp: basic_filter caption/size rules + blank images + near-duplicates; DCLM: C4/Gopher/RefinedWeb-style page rules',
    wholePool: (context) => getBenchmark(context.benchmark).filter?.heuristicWholePool ?? false,
    create: heuristicFilter,
  },
  oracle: {description: "the pool's ground-truth `quality` label: keeps only clean samples (tiny pools only; cheating by design)", wholePool: false, create: oracleFilter},
  ...EMBEDDING_FILTERS,
}

/** Every built-in filter name: the common ones, then each registered benchmark's baselines. */
export function builtinFilterNames(): string[] {
  const names = new Set(Object.keys(BUILTIN_FILTERS))
  for (const benchmark of listBenchmarks()) for (const name of Object.keys(benchmark.filter?.builtins ?? {})) names.add(name)
  return [...names]
}

/**
 * The built-in filter `name` for a run on `benchmark`'s pool: a common one, or that benchmark's
 * baseline; a baseline of another benchmark is refused in one line.
 */
export function findBuiltinFilter(name: string, benchmark: string): BuiltinFilter | undefined {
  const common = BUILTIN_FILTERS[name]
  if (common && Object.hasOwn(BUILTIN_FILTERS, name)) return common
  const own = getBenchmark(benchmark).filter?.builtins
  if (own && Object.hasOwn(own, name)) return own[name]
  const owners = listBenchmarks().filter((b) => b.filter?.builtins && Object.hasOwn(b.filter.builtins, name)).map((b) => b.id)
  if (owners.length > 0) throw new DcbError('DCB_FILTER_USAGE', `filter '${name}' is a ${owners.join('/')} baseline; it does not apply to ${benchmark} pools`)
  return undefined
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
