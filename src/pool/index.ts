/**
 * Candidate pools: the uid codec, the sorted uid index, pool indexing and synthesis over the
 * registered benchmarks' pool formats (their readers live with their adapters, src/benchmarks/).
 * Stable API documented in docs/pools-and-subsets.md.
 */
export * from './compression.js'
export * from './index-pool.js'
export * from './synth.js'
export * from './uid.js'
export * from './uid-index.js'
export * from './uid-sort.js'
export * from './uid-table.js'
