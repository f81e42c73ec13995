/**
 * Participant subsets: formats (npy, raw, parquet, CSV), lookups, conversion, validation and
 * fingerprints. Stable API documented in docs/pools-and-subsets.md.
 */
export * from './lookup.js'
export * from './npy.js'
export * from './read.js'
