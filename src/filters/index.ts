/** Data filters: the participant-facing interface, the baseline filters, and applying one to a pool (docs/filters.md). */
export * from './apply.js'
export * from './builtin.js'
export * from './filter.js'
export * from './load.js'
export * from './shards.js'
