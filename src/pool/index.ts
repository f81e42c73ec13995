/**
 * Candidate pools: synthesis, readers for both benchmarks, the uid codec and the sorted uid index.
 * Stable API documented in docs/pools-and-subsets.md.
 */
export * from './compression.js'
export * from './datacomp-shards.js'
export * from './dclm-documents.js'
export * from './index-pool.js'
export * from './synth.js'
export * from './synth-datacomp.js'
export * from './synth-dclm.js'
export * from './uid.js'
export * from './uid-index.js'
export * from './uid-sort.js'
export * from './uid-table.js'
