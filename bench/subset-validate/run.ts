// Subset validation throughput: dcbench's streamed validate against the numpy way, same files, same run.
//
//   npm run bench:subset-validate -- [--sizes 10M,100M] [--pool-factor 1.28] [--dir DIR] [--structured-max 10M]
//
// For each size S it writes, in a temp folder (or --dir): a pool index of S × pool-factor sorted random
// uids (.uidx) and a sorted .npy subset of S of them (every pool uid kept with probability
// 1 / pool-factor), then measures, each in its own process so peak RSS is its own:
//   - dcbench: validateSubset (header, order, merge-join against the index, repetition, sha256
//     fingerprint), streamed in 4 MiB chunks — as it runs by default (the fingerprint hashed by a
//     worker thread beside the scan when there is a spare core), and pinned to one core
//     (taskset -c 0), where it runs on one thread;
//   - the one-core floor: reading the subset and the index and hashing the subset, nothing else;
//   - numpy (Debian /usr/bin/python3): np.load, ascending check, searchsorted membership (f0 column +
//     f1 check), sha256 of the array — and, up to --structured-max, numpy's structured-array
//     searchsorted (the naive way).
// Targets (issue 3): dcbench ≥ 1 GB/s of subset file, ≥ 3× numpy, peak RSS flat in the subset size.
// The machine is shared: load average and core count are printed with the numbers.
import {execFileSync} from 'node:child_process'
import {createWriteStream, existsSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {once} from 'node:events'
import {cpus, loadavg, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import '../../src/benchmarks/builtins.js'
import {writeUidIndex} from '../../src/pool/index.js'
import {findHostPython} from '../../src/runner/host-python.js'
import {uidNpyHeader} from '../../src/subset/index.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../..')

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback
}

function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(text.trim())
  if (!m) throw new Error(`not a count: ${text}`)
  return Math.round(Number(m[1]) * ({'': 1, K: 1e3, M: 1e6, G: 1e9}[(m[2] as string).toUpperCase()] as number))
}

const sizes = arg('sizes', '10M,100M').split(',').map(parseCount)
const poolFactor = Number(arg('pool-factor', '1.28'))
const structuredMax = parseCount(arg('structured-max', '10M'))
const CHUNK = 1 << 18

/** xorshift128+ style 32-bit generator: fast and deterministic. */
function makeRandom(seed: number): () => number {
  let a = seed >>> 0 || 1
  let b = 0x9e3779b9
  return () => {
    let t = a ^ (a << 11)
    a = b
    b = (b ^ (b >>> 19) ^ (t ^ (t >>> 8))) >>> 0
    t = b
    return t >>> 0
  }
}

/**
 * Writes the pool index and the subset together: record i of the pool gets a high word that grows
 * with i (so the pool is sorted and distinct), the other words random; each pool record goes into
 * the subset with probability 1 / poolFactor.
 */
async function generate(dir: string, subsetSize: number): Promise<{index: string; subset: string; subsetCount: number; poolCount: number}> {
  const poolCount = Math.round(subsetSize * poolFactor)
  const step = 2 ** 32 / poolCount
  const random = makeRandom(subsetSize)
  const keep = 1 / poolFactor
  const subsetFile = join(dir, `subset-${subsetSize}.npy`)
  const indexFile = join(dir, `pool-${subsetSize}.uidx`)
  const out = createWriteStream(subsetFile)
  out.write(uidNpyHeader(0)) // rewritten with the real count below (same length)
  let subsetCount = 0
  async function* poolRecords(): AsyncGenerator<Uint32Array> {
    for (let start = 0; start < poolCount; start += CHUNK) {
      const n = Math.min(CHUNK, poolCount - start)
      const pool = new Uint32Array(n * 4)
      const picked = new Uint32Array(n * 4)
      let p = 0
      for (let k = 0; k < n; k++) {
        const i = start + k
        const o = k * 4
        pool[o + 1] = Math.floor(i * step) + (step >= 2 ? Math.floor((random() / 2 ** 32) * Math.floor(step)) : 0)
        pool[o] = random()
        pool[o + 2] = random()
        pool[o + 3] = random()
        if (random() / 2 ** 32 < keep) picked.set(pool.subarray(o, o + 4), 4 * p++)
      }
      subsetCount += p
      if (!out.write(new Uint8Array(picked.buffer, 0, p * 16))) await once(out, 'drain')
      yield pool
    }
  }
  if (poolCount > 2 ** 32) throw new Error('pool too large for this generator')
  await writeUidIndex({out: indexFile, kind: 'datacomp', records: poolRecords()})
  out.end()
  await once(out, 'finish')
  // the real header (np.save's header is 128 bytes for any count)
  const {openSync, writeSync, closeSync} = await import('node:fs')
  const fd = openSync(subsetFile, 'r+')
  writeSync(fd, uidNpyHeader(subsetCount), 0, 128, 0)
  closeSync(fd)
  return {index: indexFile, subset: subsetFile, subsetCount, poolCount}
}

function runJson(command: string, args: string[]): Record<string, unknown> {
  const stdout = execFileSync(command, args, {cwd: root, encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit']})
  return JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, unknown>
}

function gb(bytes: number): string {
  return (bytes / 1e9).toFixed(2)
}

async function main(): Promise<void> {
  const python = await findHostPython()
  if (!python?.numpy) throw new Error('no python3 with numpy (Debian python3-numpy) found')
  const dir = process.argv.includes('--dir') ? arg('dir', '') : mkdtempSync(join(tmpdir(), 'dcbench-bench-subset-'))
  const tsx = join(root, 'node_modules/.bin/tsx')
  const child = join(here, 'child.ts')
  process.stderr.write(`machine: ${cpus().length} cores (${cpus()[0]?.model}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`)
  const idle = runJson(tsx, [child, '--idle'])
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((path) => existsSync(path))
  if (!taskset) process.stderr.write('no taskset (util-linux): the one-core runs are skipped\n')
  const rows: string[] = []
  try {
    for (const size of sizes) {
      process.stderr.write(`generating a ${size}-uid subset of a ${Math.round(size * poolFactor)}-uid pool in ${dir}…\n`)
      const files = await generate(dir, size)
      const bytes = statSync(files.subset).size
      const scale = 'medium'
      // dcbench, twice: the first run also warms the page cache for both tools
      runJson(tsx, [child, files.subset, files.index, scale])
      const ours = runJson(tsx, [child, files.subset, files.index, scale])
      const numpy = runJson(python.path, [join(here, 'numpy_baseline.py'), files.subset, files.index])
      if (ours.fingerprint !== numpy.fingerprint || ours.strangers !== 0 || numpy.strangers !== 0 || ours.samplesPerPass !== files.subsetCount) {
        throw new Error(`results disagree: dcbench ${JSON.stringify(ours)} numpy ${JSON.stringify(numpy)}`)
      }
      const oneCore = taskset ? runJson(taskset, ['-c', '0', tsx, child, files.subset, files.index, scale]) : undefined
      const floor = taskset ? runJson(taskset, ['-c', '0', tsx, child, '--floor', files.subset, files.index]) : undefined
      const structured = size <= structuredMax ? runJson(python.path, [join(here, 'numpy_baseline.py'), files.subset, files.index, '--structured']) : undefined
      const s = ours.seconds as number
      const line = [
        `${files.subsetCount} uids (${gb(bytes)} GB), pool ${files.poolCount}:`,
        `  dcbench validate   ${s.toFixed(2)} s  ${gb(bytes / s)} GB/s  ${(files.subsetCount / s / 1e6).toFixed(1)} M uids/s  cpu ${(ours.cpuSeconds as number).toFixed(2)} s  peak RSS ${(Number(ours.maxRssBytes) / 2 ** 20).toFixed(0)} MiB (idle process ${(Number(idle.maxRssBytes) / 2 ** 20).toFixed(0)} MiB)`,
        ...(oneCore && floor
          ? [
              `  dcbench, one core  ${(oneCore.seconds as number).toFixed(2)} s  ${gb(bytes / (oneCore.seconds as number))} GB/s  cpu ${(oneCore.cpuSeconds as number).toFixed(2)} s  (taskset -c 0)`,
              `  one-core floor     ${(floor.seconds as number).toFixed(2)} s  ${gb(bytes / (floor.seconds as number))} GB/s  (read subset + index, sha256 of the subset, no checks)`,
            ]
          : []),
        `  numpy              ${(numpy.seconds as number).toFixed(2)} s  ${gb(bytes / (numpy.seconds as number))} GB/s  cpu ${(numpy.cpuSeconds as number).toFixed(2)} s  peak RSS ${(Number(numpy.maxRssBytes) / 2 ** 20).toFixed(0)} MiB  steps ${JSON.stringify(numpy.steps, (_k, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`,
        `  ratio numpy/dcbench: wall ${((numpy.seconds as number) / s).toFixed(2)}×, cpu ${((numpy.cpuSeconds as number) / (ours.cpuSeconds as number)).toFixed(2)}×${oneCore ? `, one core ${((numpy.seconds as number) / (oneCore.seconds as number)).toFixed(2)}×` : ''}; dcbench cpu throughput ${gb(bytes / (ours.cpuSeconds as number))} GB/s`,
        ...(structured
          ? [`  numpy structured searchsorted ${(structured.seconds as number).toFixed(2)} s, cpu ${(structured.cpuSeconds as number).toFixed(2)} s (ratio wall ${((structured.seconds as number) / s).toFixed(1)}×, cpu ${((structured.cpuSeconds as number) / (ours.cpuSeconds as number)).toFixed(1)}×) steps ${JSON.stringify(structured.steps, (_k, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`]
          : []),
      ].join('\n')
      process.stdout.write(`${line}\n`)
      rows.push(line)
      rmSync(files.subset, {force: true})
      rmSync(files.index, {force: true})
    }
  } finally {
    if (!process.argv.includes('--dir')) rmSync(dir, {recursive: true, force: true})
  }
  process.stderr.write(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`)
}

await main()
