import {dataComp} from './datacomp.js'
import {dclm} from './dclm.js'
import {registerBenchmark} from './registry.js'

/**
 * Registers the benchmarks dcbench ships. Imported for its effect by the entry points (the CLI's base
 * command, the package entry `src/index.ts`); registration order is display order.
 */
registerBenchmark(dataComp)
registerBenchmark(dclm)

export {dataComp, dclm}
