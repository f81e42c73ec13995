// One measured validation in its own process, so that its peak RSS is its own. Prints JSON.
//   npx tsx bench/subset-validate/child.ts SUBSET POOL_INDEX SCALE | --idle | --floor SUBSET POOL_INDEX
// CHUNK_RECORDS=N in the environment overrides the read chunk (records; to compare chunk sizes).
// --floor: the work no validator can skip, on one thread — read the subset and the index from the
// page cache and sha256 the subset — without any check: what "≥ 1 GB/s on one core" is up against.
import {createHash} from 'node:crypto'
import {closeSync, openSync, readSync} from 'node:fs'

import '../../src/benchmarks/builtins.js'
import {validateSubset} from '../../src/subset/index.js'

function readAll(path: string, buffer: Uint8Array, onChunk: (bytes: Uint8Array) => void): void {
  const fd = openSync(path, 'r')
  try {
    for (let got = 0, at = 0; (got = readSync(fd, buffer, 0, buffer.length, at)) > 0; at += got) onChunk(buffer.subarray(0, got))
  } finally {
    closeSync(fd)
  }
}

function floor(subset: string, index: string): void {
  const started = process.hrtime.bigint()
  const cpuBefore = process.cpuUsage()
  const buffer = new Uint8Array(4 * 2 ** 20)
  const hash = createHash('sha256')
  readAll(subset, buffer, (bytes) => hash.update(bytes))
  readAll(index, buffer, () => {})
  hash.digest()
  const cpu = process.cpuUsage(cpuBefore)
  console.log(JSON.stringify({seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6}))
}

async function main(): Promise<void> {
  if (process.argv[2] === '--idle') {
    // the floor: the same process, modules loaded, nothing validated
    console.log(JSON.stringify({maxRssBytes: process.resourceUsage().maxRSS * 1024}))
    return
  }
  if (process.argv[2] === '--floor') {
    floor(process.argv[3] as string, process.argv[4] as string)
    return
  }
  const [file, poolIndex, scale] = process.argv.slice(2) as [string, string, string]
  const started = process.hrtime.bigint()
  const cpuBefore = process.cpuUsage()
  const report = await validateSubset({file, poolIndex, benchmark: 'datacomp', scale, chunkRecords: process.env.CHUNK_RECORDS ? Number(process.env.CHUNK_RECORDS) : undefined})
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
