import {Flags} from '@oclif/core'

import {BENCHMARKS} from '../tracks/schema.js'

/**
 * The flags every command spells the same way. Values are checked by the library (so the error lists
 * the valid choices from the tracks files), not by oclif's `options`. Each is a factory:
 * `benchmarkFlag({required: true})`.
 */
export const benchmarkFlag = Flags.custom<string>({
  description: `Benchmark: ${BENCHMARKS.join(' or ')}.`,
  helpValue: BENCHMARKS.join('|'),
})

export const scaleFlag = Flags.custom<string>({
  description: 'Compute scale, as listed by `bench tracks list` (e.g. small, medium, 7b-1x, tiny).',
  helpValue: 'SCALE',
})

export const trackFlag = Flags.custom<string>({
  description: 'Competition track (datacomp: filtering, byod; dclm: filtering, mixing, byod).',
  helpValue: 'TRACK',
})
