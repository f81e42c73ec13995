import {Flags} from '@oclif/core'

import '../benchmarks/builtins.js'
import {benchmarkIds} from '../benchmarks/registry.js'

/**
 * The flags every command spells the same way. Values are checked by the library (so the error lists
 * the valid choices from the registry and the tracks files), not by oclif's `options`. Each is a
 * factory: `benchmarkFlag({required: true})`. The benchmark list is read when a command module loads,
 * after the built-in benchmarks are registered.
 */
export const benchmarkFlag = Flags.custom<string>({
  description: `Benchmark: ${benchmarkIds().join(' or ')}.`,
  helpValue: benchmarkIds().join('|'),
})

export const scaleFlag = Flags.custom<string>({
  description: 'Compute scale, as listed by `bench tracks list` (e.g. small, medium, 7b-1x, tiny).',
  helpValue: 'SCALE',
})

export const trackFlag = Flags.custom<string>({
  description: 'Competition track, as listed by `bench tracks list` (e.g. filtering, byod, mixing).',
  helpValue: 'TRACK',
})

/** `--set key=value`: the per-run infrastructure split (bench tracks show, bench train). */
export const infraSetFlag = Flags.custom<string>({
  description: 'Per-run infrastructure setting key=value (gpus_per_node, nodes, per_device_batch_size, grad_accum); anything else is refused. Repeatable.',
  helpValue: 'KEY=VALUE',
  multiple: true,
})
