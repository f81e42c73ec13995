// The cost of running a participant's filter module in its sandbox (src/filters/sandbox.ts) against
// running the same module in bench's own process (loadFilter's inProcess), same pools, same run.
//
//   npm run bench:filter-sandbox -- [--rounds 3] [--datacomp-pool DIR] [--dclm-pool DIR]
//
// Pools: the tiny scale's (bench pool synth, seed 0: 20,000 DataComp samples, 31,522 DCLM documents),
// made in a temp folder unless given. Filters: DataComp caption length (data fields only), DataComp
// image brightness (every record's image() decoded: in the sandbox, a call back to bench per record),
// DCLM text length. Each round runs both ways, alternating which goes first; times are load + filter
// + close, medians over the rounds, and the ratio sandbox / in-process. The subsets must be identical.
// The machine may be shared: load average and core count are printed with the numbers.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import '../../src/benchmarks/builtins.js'
import {synthesizePool} from '../../src/pool/index.js'
import {applyFilter, closeFilter, loadFilter} from '../../src/filters/index.js'

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const rounds = Number(arg('rounds') ?? 3)

const FILTERS = {
  'datacomp captions': {
    benchmark: 'datacomp',
    source: "export default {name: 'captions', benchmarks: ['datacomp'], decide: (r: {caption: string}) => r.caption.split(' ').length >= 5}\n",
  },
  'datacomp image()': {
    benchmark: 'datacomp',
    source: `export default {name: 'bright', benchmarks: ['datacomp'], decide: async (r: {image(): Promise<{data: Uint8Array}>}) => {
  const {data} = await r.image()
  let sum = 0
  for (let i = 0; i < data.length; i += 3) sum += data[i] as number
  return sum / (data.length / 3) > 120
}}
`,
  },
  'dclm text': {
    benchmark: 'dclm',
    source: "export default {name: 'long', benchmarks: ['dclm'], decide: (r: {text: string}) => r.text.length >= 400}\n",
  },
} as const

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function timeOnce(file: string, benchmark: string, pool: string, out: string, inProcess: boolean): Promise<{seconds: number; fingerprint: string}> {
  const started = performance.now()
  const filter = await loadFilter(file, {benchmark, seed: 0, pool}, {inProcess})
  try {
    const result = await applyFilter({filter, benchmark, pool, out})
    return {seconds: (performance.now() - started) / 1000, fingerprint: result.fingerprint}
  } finally {
    await closeFilter(filter)
  }
}

const dir = mkdtempSync(join(tmpdir(), 'dcbench-bench-filter-sandbox-'))
try {
  const pools: Record<string, string> = {}
  for (const benchmark of ['datacomp', 'dclm']) {
    const given = arg(`${benchmark}-pool`)
    if (given) {
      pools[benchmark] = given
    } else {
      pools[benchmark] = join(dir, `${benchmark}-pool`)
      await synthesizePool({benchmark, scale: 'tiny', out: pools[benchmark] as string})
    }
  }
  console.log(`node ${process.version}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${rounds} rounds`)
  console.log('filter              in-process   sandbox   ratio')
  for (const [label, {benchmark, source}] of Object.entries(FILTERS)) {
    const file = join(dir, `${label.replace(/\W+/g, '-')}.ts`)
    writeFileSync(file, source)
    const times: Record<'in' | 'sandbox', number[]> = {in: [], sandbox: []}
    const prints = new Set<string>()
    for (let round = 0; round < rounds; round++) {
      const order: ('in' | 'sandbox')[] = round % 2 === 0 ? ['in', 'sandbox'] : ['sandbox', 'in']
      for (const way of order) {
        const {seconds, fingerprint} = await timeOnce(file, benchmark, pools[benchmark] as string, join(dir, 'out.npy'), way === 'in')
        times[way].push(seconds)
        prints.add(fingerprint)
      }
    }
    if (prints.size !== 1) throw new Error(`${label}: the sandbox and the in-process run kept different subsets`)
    const [a, b] = [median(times.in), median(times.sandbox)]
    console.log(`${label.padEnd(20)}${`${a.toFixed(2)} s`.padStart(10)}${`${b.toFixed(2)} s`.padStart(10)}${`${(b / a).toFixed(2)}×`.padStart(8)}`)
  }
} finally {
  rmSync(dir, {recursive: true, force: true})
}
