import {DcbError} from '../errors.js'
import type {RgbImage} from '../world/index.js'

/**
 * The interface a data filter implements (docs/filters.md). dcbench calls `decide` once per record of
 * the candidate pool, in pool order, and writes the kept uids as a subset `.npy`.
 *
 * A filter module's default export is either a `DataFilter` or a factory
 * `(context: FilterContext) => DataFilter | Promise<DataFilter>`.
 */
export interface DataFilter {
  /** Short name, shown in progress lines and written to the subset's report. */
  readonly name: string
  readonly description?: string
  /** Which pools it understands; `bench filter` refuses the others. */
  readonly benchmarks: readonly FilterBenchmark[]
  /**
   * - `true` / `false`: keep the record once / drop it;
   * - `{repeat: k}`: use it k times per pass (k = 0 drops it);
   * - a number: a score — the run must then ask for a size (`--size`/`--fraction`), and the
   *   highest-scoring records are kept (ties by uid), as DataComp's "top x % by CLIP score" baselines do.
   */
  decide(record: FilterRecord): FilterDecision | Promise<FilterDecision>
}

export type FilterBenchmark = 'datacomp' | 'dclm'

export type FilterDecision = boolean | number | {repeat: number}

export interface FilterContext {
  benchmark: FilterBenchmark
  /** Seed for filters that draw random numbers (`bench filter --seed`). */
  seed: number
  /** The pool folder. */
  pool: string
}

/** One image–text pair of a DataComp pool: the shard members plus its metadata row. */
export interface ImageTextRecord {
  benchmark: 'datacomp'
  /** 32 lowercase hex digits. */
  uid: string
  caption: string
  /** The image file as stored in the shard (jpg/png/webp). */
  imageBytes: Uint8Array
  /** The image decoded to RGB (decoded on first call, then cached). */
  image(): Promise<RgbImage>
  /** Every column of the pool's metadata row for this uid (empty when the pool has no metadata). */
  metadata: Readonly<Record<string, unknown>>
}

/** One document of a DCLM pool. */
export interface DocumentRecord {
  benchmark: 'dclm'
  /** The DCLM document id (docs/pools-and-subsets.md), 32 lowercase hex digits. */
  uid: string
  text: string
  url: string
  /** Every field of the JSONL record except `text` and `url`. */
  metadata: Readonly<Record<string, unknown>>
}

export type FilterRecord = ImageTextRecord | DocumentRecord

/** Checks a `--benchmark` value for filtering. */
export function asFilterBenchmark(value: string): FilterBenchmark {
  if (value === 'datacomp' || value === 'dclm') return value
  throw new DcbError('DCB_FILTER_USAGE', `--benchmark must be datacomp or dclm, got '${value}'`, {exitCode: 2})
}
