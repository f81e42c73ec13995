// Memory-bounded embedding-based pruning on a pool with more embeddings than the RSS target:
//   npx tsx bench/embedding-pruning/run.ts [--gib 2.05] [--dir /tmp/dcbench-embedding-bench] [--methods semdedup,d4,ssl-prototypes,density-pruning]
// Writes (once, cached in --dir) a DataComp-layout pool of uid-only metadata parquets and <stem>.npz
// files with float16 l14_img rows (768-d, 32 concepts), then runs each method in its own process
// (bench/embedding-pruning/child.ts) and prints seconds and peak RSS; the baseline in the same run is
// one streamed pass that only decodes every row (`read`). Target: peak RSS < 512 MiB for ≥ 2 GiB.
import {execFileSync} from 'node:child_process'
import {createWriteStream, existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {parquetWriteBuffer} from 'hyparquet-writer'
import yazl from 'yazl'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../..')
const args = process.argv.slice(2)
const opt = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`)
  return at < 0 ? fallback : (args[at + 1] as string)
}
const gib = Number(opt('gib', '2.05'))
const dir = opt('dir', '/tmp/dcbench-embedding-bench')
const methods = opt('methods', 'semdedup,d4,ssl-prototypes,density-pruning').split(',')
const DIM = 768
const PER_PART = 50_000
const totalRows = Math.ceil((gib * 1024 ** 3) / (DIM * 2))
const parts = Math.ceil(totalRows / PER_PART)

/** xorshift32: fast, seeded; the data only needs to be reproducible, not good. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

const F32 = new Float32Array(1)
const U32 = new Uint32Array(F32.buffer)
function toHalf(value: number): number {
  F32[0] = value
  const x = U32[0] as number
  const sign = (x >>> 16) & 0x8000
  const exp = ((x >>> 23) & 0xff) - 127 + 15
  if (exp <= 0) return sign
  if (exp >= 31) return sign | 0x7c00
  return sign | (exp << 10) | ((x >>> 13) & 0x3ff)
}

function npyHeader(rows: number): Buffer {
  let text = `{'descr': '<f2', 'fortran_order': False, 'shape': (${rows}, ${DIM}), }`
  while ((10 + text.length + 1) % 64 !== 0) text += ' '
  const header = Buffer.alloc(10)
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(header)
  header.writeUInt16LE(text.length + 1, 8)
  return Buffer.concat([header, Buffer.from(`${text}\n`, 'latin1')])
}

async function writePool(): Promise<void> {
  const meta = join(dir, 'metadata')
  mkdirSync(meta, {recursive: true})
  const random = rng(1)
  const means = Array.from({length: 32}, () => Float32Array.from({length: DIM}, () => random() * 2 - 1))
  let uid = 0
  for (let p = 0; p < parts; p++) {
    const rows = Math.min(PER_PART, totalRows - p * PER_PART)
    const stem = `part${String(p).padStart(4, '0')}`
    const uids = Array.from({length: rows}, () => (uid++).toString(16).padStart(32, '0'))
    writeFileSync(join(meta, `${stem}.parquet`), Buffer.from(parquetWriteBuffer({columnData: [{name: 'uid', data: uids}]})))
    const data = new Uint16Array(rows * DIM)
    const row = new Float32Array(DIM)
    for (let r = 0; r < rows; r++) {
      const mean = means[Math.floor(random() * 32)] as Float32Array
      let norm = 0
      for (let k = 0; k < DIM; k++) {
        row[k] = (mean[k] as number) + (random() + random() + random() - 1.5) * 1.5
        norm += (row[k] as number) ** 2
      }
      norm = Math.sqrt(norm)
      for (let k = 0; k < DIM; k++) data[r * DIM + k] = toHalf((row[k] as number) / norm)
    }
    const zip = new yazl.ZipFile()
    zip.addBuffer(Buffer.concat([npyHeader(rows), Buffer.from(data.buffer)]), 'l14_img.npy', {compress: false})
    zip.end()
    await new Promise<void>((resolve, reject) => zip.outputStream.pipe(createWriteStream(join(meta, `${stem}.npz`))).on('close', resolve).on('error', reject))
    process.stderr.write(`\rwrote part ${p + 1}/${parts}`)
  }
  writeFileSync(join(dir, 'done'), `${totalRows}\n`)
  process.stderr.write('\n')
}

if (!existsSync(join(dir, 'done'))) await writePool()
console.log(`pool: ${totalRows.toLocaleString()} rows × ${DIM} float16 = ${((totalRows * DIM * 2) / 1024 ** 3).toFixed(2)} GiB of embeddings in ${parts} parts`)
const tsx = join(root, 'node_modules/.bin/tsx')
const runs: [string, string[]][] = [['idle', []], ['read', []]]
for (const method of methods) {
  if (method === 'semdedup') runs.push([method, ['--eps', opt('eps', '0.9'), '--clusters', opt('clusters', '16')]])
  // ε = 0.9 leaves a few hundred rows of this pool's 32 concepts: D4 keeps a share of the pool below that
  else if (method === 'd4') runs.push([method, ['--eps', opt('eps', '0.9'), '--fraction', '0.0001', '--clusters', opt('clusters', '16')]])
  else runs.push([method, ['--fraction', '0.5', '--clusters', opt('clusters', '16')]])
}
console.log('| method | flags | seconds | CPU s | × read pass | peak RSS (MiB) |\n|---|---|---:|---:|---:|---:|')
let readSeconds = 0
for (const [method, flags] of runs) {
  const out = JSON.parse(execFileSync(tsx, [join(here, 'child.ts'), dir, method, ...flags], {encoding: 'utf8', maxBuffer: 1 << 20}).trim().split('\n').pop()!) as {seconds: number; cpuSeconds: number; peakRssMiB: number}
  if (method === 'read') readSeconds = out.seconds
  console.log(`| ${method} | ${flags.join(' ')} | ${out.seconds.toFixed(1)} | ${out.cpuSeconds.toFixed(1)} | ${readSeconds ? (out.seconds / readSeconds).toFixed(1) : '–'} | ${out.peakRssMiB.toFixed(0)} |`)
}
