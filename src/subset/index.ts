/**
 * Participant subsets: formats (npy, raw, parquet, CSV), lookups, conversion, validation and
 * fingerprints. Stable API documented in docs/pools-and-subsets.md.
 */
export * from './chunks.js'
export * from './convert.js'
export * from './epochs.js'
export * from './file-digest.js'
export * from './lookup.js'
export * from './npy.js'
export * from './read.js'
export * from './record-limit.js'
export * from './scale-limit.js'
export * from './scan.js'
export * from './validate.js'
export * from './validation-report.js'
export * from './write.js'
