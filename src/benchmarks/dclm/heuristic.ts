import type {DataFilter, PoolRecord} from '../../filters/filter.js'
import {checkDocument} from './document-rules.js'
import type {DocumentRecord} from './records.js'

/** DCLM's `heuristic` baseline (docs/filters.md): C4/Gopher/RefinedWeb-style page rules. */
export function dclmHeuristic(benchmark: string): DataFilter<PoolRecord> {
  return {name: 'heuristic', benchmarks: [benchmark], decide: (record) => checkDocument((record as DocumentRecord).text).keep}
}
