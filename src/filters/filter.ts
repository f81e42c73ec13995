/**
 * The interface a data filter implements (docs/filters.md). dcbench calls `decide` once per record of
 * the candidate pool, in pool order, and writes the kept uids as a subset `.npy`.
 *
 * A filter module's default export is either a `DataFilter` or a factory
 * `(context: FilterContext) => DataFilter | Promise<DataFilter>`.
 */
import type {ImageTextRecord} from '../benchmarks/datacomp/records.js'
import type {DocumentRecord} from '../benchmarks/dclm/records.js'

export type {ImageTextRecord} from '../benchmarks/datacomp/records.js'
export type {DocumentRecord} from '../benchmarks/dclm/records.js'

/** What every benchmark's pool records have in common. */
export interface PoolRecord {
  /** The benchmark whose pool the record is from: narrows `FilterRecord` to its record type. */
  readonly benchmark: string
  /** The record's id (DataComp uid, DCLM document id): 32 lowercase hex digits. */
  readonly uid: string
  /** Every metadata field of the record (empty when the pool has none). */
  readonly metadata: Readonly<Record<string, unknown>>
}

/** A record of one of the built-in benchmarks' pools: check `record.benchmark` to narrow it. */
export type FilterRecord = ImageTextRecord | DocumentRecord

export interface DataFilter<R extends PoolRecord = FilterRecord> {
  /** Short name, shown in progress lines and written to the subset's report. */
  readonly name: string
  readonly description?: string
  /** Which benchmarks' pools it understands (e.g. datacomp, dclm); `bench filter` refuses the others. */
  readonly benchmarks: readonly string[]
  /**
   * - `true` / `false`: keep the record once / drop it;
   * - `{repeat: k}`: use it k times per pass (k = 0 drops it);
   * - a number: a score — the run must then ask for a size (`--size`/`--fraction`), and the
   *   highest-scoring records are kept (ties by uid), as DataComp's "top x % by CLIP score" baselines do.
   */
  decide(record: R): FilterDecision | Promise<FilterDecision>
}

export type FilterDecision = boolean | number | {repeat: number}

export interface FilterContext {
  /** The benchmark whose pool is filtered. */
  benchmark: string
  /** Seed for filters that draw random numbers (`bench filter --seed`). */
  seed: number
  /** The pool folder. */
  pool: string
}
