import {createHash} from 'node:crypto'

import {DcbError} from '../errors.js'
import {checkCaption, checkOriginalSize} from './caption-rules.js'
import {checkDocument} from './document-rules.js'
import type {DataFilter, FilterContext} from './filter.js'
import {isBlank, NearDuplicateIndex} from './image-rules.js'

/**
 * The baseline filters `bench filter --filter NAME` and `bench quickstart` use (docs/filters.md).
 * Each is a factory over the run's context, like a participant's filter module.
 */
export const BUILTIN_FILTERS: Readonly<Record<string, {description: string; create: (context: FilterContext) => DataFilter}>> = {
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

function noFilter(): DataFilter {
  return {name: 'none', benchmarks: ['datacomp', 'dclm'], decide: () => true}
}

/** A score per uid from (seed, uid): with a size, the top of it is a seeded uniform sample. */
function randomFilter(context: FilterContext): DataFilter {
  return {
    name: 'random',
    benchmarks: ['datacomp', 'dclm'],
    decide: (record) => createHash('sha256').update(`dcbench-random-filter:${context.seed}:${record.uid}`).digest().readUInt32BE(0) / 2 ** 32,
  }
}

function heuristicFilter(context: FilterContext): DataFilter {
  if (context.benchmark === 'dclm') {
    return {name: 'heuristic', benchmarks: ['dclm'], decide: (record) => record.benchmark === 'dclm' && checkDocument(record.text).keep}
  }
  const duplicates = new NearDuplicateIndex()
  return {
    name: 'heuristic',
    benchmarks: ['datacomp'],
    decide: async (record) => {
      if (record.benchmark !== 'datacomp') return false
      if (!checkCaption(record.caption).keep || !checkOriginalSize(record.metadata)) return false
      const image = await record.image()
      if (isBlank(image)) return false
      return !duplicates.seen(image)
    },
  }
}

function oracleFilter(context: FilterContext): DataFilter {
  return {
    name: 'oracle',
    benchmarks: ['datacomp', 'dclm'],
    decide: (record) => {
      const quality = record.metadata.quality
      if (typeof quality !== 'string') {
        throw new DcbError('DCB_FILTER_POOL', `pool ${context.pool}: sample ${record.uid} has no ground-truth 'quality' field; the oracle filter only works on pools made by bench pool synth`)
      }
      return quality === 'clean'
    },
  }
}
