// dclm-bff's memory and speed on a generated document set larger than the tiny pools: peak RSS against
// the bloom filter's size, and what an exact set of the same n-grams (the baseline, same run) takes.
//
//   npm run bench:bff -- [--documents 200000] [--words 150]
//
// Documents are generated one at a time and never held (a seeded word generator over 2,000 words,
// paragraphs of 20–60 words, every 10th document a near copy of an earlier one), so the process's
// memory is bff's own. The filter is sized for the run's n-gram count at DCLM's 1 % (old-both, 13-grams).
// Reported: the filter's bytes; peak RSS minus RSS before the filter was made; RSS growth over the
// second half of the run (bounded memory: ≈ 0); CPU seconds (process.cpuUsage, not wall time: the
// machine may be shared — load average printed); then the exact baseline: a Set of the same n-gram
// fingerprints (as strings) over the first 10 % of documents, its heap growth scaled up, as the ratio.
import {cpus, loadavg} from 'node:os'

import {createBffRun} from '../../src/benchmarks/dclm/bff/filter.js'
import {hashTokens, NgramHasher} from '../../src/benchmarks/dclm/bff/bloom.js'
import {tokenize} from '../../src/benchmarks/dclm/bff/tokenize.js'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

const documents = arg('documents', 200_000)
const words = arg('words', 150)
const VOCAB = Array.from({length: 2000}, (_, i) => `w${(i * 7919).toString(36)}`)

function* generate(seed: number): Generator<string> {
  let s = seed >>> 0
  const next = (): number => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0
    return s / 2 ** 32
  }
  const recent: string[] = []
  for (let d = 0; d < documents; d++) {
    if (d % 10 === 9 && recent.length > 0) {
      const words = recent[Math.floor(next() * recent.length)]!.split(' ')
      words[Math.floor(next() * words.length)] = 'changed'
      yield words.join(' ')
      continue
    }
    const paragraphs: string[] = []
    for (let left = words; left > 0; ) {
      const n = Math.min(left, 20 + Math.floor(next() * 40))
      paragraphs.push(`${Array.from({length: n}, () => VOCAB[Math.floor(next() * VOCAB.length)]).join(' ')}.`)
      left -= n
    }
    const text = paragraphs.join('\n')
    if (recent.length < 100) recent.push(text)
    else recent[Math.floor(next() * 100)] = text
    yield text
  }
}

const ngramsPerDoc = words + 8 // words + the paragraphs' full stops, roughly
global.gc?.()
const before = process.memoryUsage().rss
const run = createBffRun({expectedNgramCount: documents * ngramsPerDoc}, 0)
console.log(`${documents} documents × ${words} words; ${run.notice}`)
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`)
let peak = process.memoryUsage().rss
let half = 0
let kept = 0
const cpu0 = process.cpuUsage()
let d = 0
for (const text of generate(1)) {
  if (run.dedup(text).keep) kept++
  if (++d % 1000 === 0) peak = Math.max(peak, process.memoryUsage().rss)
  if (d === Math.floor(documents / 2)) half = process.memoryUsage().rss
}
const cpu = process.cpuUsage(cpu0)
const end = process.memoryUsage().rss
peak = Math.max(peak, end)
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`
const cpuSeconds = (cpu.user + cpu.system) / 1e6
console.log(`kept ${kept} of ${documents}; CPU ${cpuSeconds.toFixed(1)} s (${Math.round(documents / cpuSeconds)} documents/CPU-s)`)
console.log(`filter ${mib(run.sizeInBytes)}; peak RSS − RSS before ${mib(peak - before)}; RSS growth over the second half ${mib(end - half)}`)

// baseline: an exact set of the same n-grams' fingerprints, over a tenth of the documents, scaled
const hasher = new NgramHasher(1, 0)
global.gc?.()
const heap0 = process.memoryUsage().heapUsed
const exact = new Set<string>()
let seen = 0
for (const text of generate(1)) {
  if (seen++ >= documents / 10) break
  const tokens = tokenize(text).map((t) => t.text)
  const hashes = hashTokens(tokens)
  for (let e = 13; e <= tokens.length; e++) exact.add(hasher.fingerprint(hashes, e - 13, e).join(':'))
}
global.gc?.()
const exactBytes = (process.memoryUsage().heapUsed - heap0) * 10
console.log(`exact n-gram set (baseline, scaled from ${Math.floor(documents / 10)} documents, ${exact.size} n-grams): ${mib(exactBytes)}; bloom filter / exact set = ${(run.sizeInBytes / exactBytes).toFixed(3)}`)
