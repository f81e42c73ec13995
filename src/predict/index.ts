/** Scaling-law fits and predictions (`bench predict`): Gadre et al.'s laws, fitted as their code fits them. */
export * from './fit.js'
export * from './from-runs.js'
export * from './law-file.js'
export * from './laws.js'
export * from './predict.js'
export * from './rows.js'
