// One measured run in its own process, so that its peak RSS is its own. Prints JSON.
//   npx tsx bench/embedding-pruning/child.ts POOL METHOD [--eps E] [--fraction F] [--clusters K]
// METHOD `read` is the baseline: one streamed pass decoding every embedding row, nothing else;
// `idle` only loads the modules (the RSS floor).
import '../../src/benchmarks/builtins.js'
import {getBenchmark} from '../../src/benchmarks/registry.js'
import {findBuiltinFilter} from '../../src/filters/builtin.js'

const [pool, method, ...rest] = process.argv.slice(2)
const flag = (name: string): number | undefined => {
  const at = rest.indexOf(`--${name}`)
  return at < 0 ? undefined : Number(rest[at + 1])
}
const started = process.hrtime.bigint()
const cpuBefore = process.cpuUsage()
let rows = 0
if (method === 'idle') {
  // the imports alone: the floor every run's RSS stands on
} else if (method === 'read') {
  const spec = getBenchmark('datacomp').filter!
  for await (const batch of spec.embeddings!(pool!, 'l14_img', 2048)) rows += batch.uids.length
} else {
  // the filter's passes over the embeddings all happen here; deciding records afterwards is a set lookup
  await findBuiltinFilter(method!, 'datacomp')!.create({benchmark: 'datacomp', seed: 0, pool: pool!}, {eps: flag('eps'), fraction: flag('fraction'), clusters: flag('clusters')})
}
const cpu = process.cpuUsage(cpuBefore)
console.log(JSON.stringify({method, rows, seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: process.resourceUsage().maxRSS / 1024}))
