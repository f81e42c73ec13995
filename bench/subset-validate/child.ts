// One measured validation in its own process, so that its peak RSS is its own. Prints JSON.
//   npx tsx bench/subset-validate/child.ts SUBSET POOL_INDEX SCALE | --idle
import {validateSubset} from '../../src/subset/index.js'

async function main(): Promise<void> {
  if (process.argv[2] === '--idle') {
    // the floor: the same process, modules loaded, nothing validated
    console.log(JSON.stringify({maxRssBytes: process.resourceUsage().maxRSS * 1024}))
    return
  }
  const [file, poolIndex, scale] = process.argv.slice(2) as [string, string, string]
  const started = process.hrtime.bigint()
  const cpuBefore = process.cpuUsage()
  const report = await validateSubset({file, poolIndex, benchmark: 'datacomp', scale})
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const cpu = process.cpuUsage(cpuBefore)
  console.log(
    JSON.stringify({
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      valid: report.valid,
      reasons: report.reasons,
      count: report.count,
      samplesPerPass: report.samplesPerPass,
      strangers: report.membership.strangers,
      fingerprint: report.fingerprint,
    }),
  )
}

await main()
