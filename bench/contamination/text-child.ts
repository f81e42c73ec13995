// One measured side of bench/contamination/text.ts, in its own process so its peak RSS is its own.
//
//   npx tsx bench/contamination/text-child.ts scan EXAMPLES.json DOCS_DIR
//   npx tsx bench/contamination/text-child.ts index EXAMPLES.json
//
// scan: builds the n-gram index of the examples, then checks every document of DOCS_DIR/*.jsonl as
// `bench subset contamination` does (TextScanner), timing the CPU of each step. index: only builds
// it, for the memory of a whole suite. Prints JSON like ngram_baseline.py.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import '../../src/benchmarks/builtins.js'
import {iterateDocumentFile} from '../../src/benchmarks/dclm/documents.js'
import {buildTextIndex, DEFAULT_NGRAM_SETTINGS} from '../../src/contamination/ngram-build.js'
import {TextScanner} from '../../src/contamination/ngram-scan.js'

const [mode, examplesFile, docsDir] = process.argv.slice(2) as [string, string, string]
const cpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

let t = cpu()
const tasks = (JSON.parse(readFileSync(examplesFile, 'utf8')) as {tasks: {key: string; examples: string[]}[]}).tasks
const index = buildTextIndex(tasks, DEFAULT_NGRAM_SETTINGS)
const build = cpu() - t
const result: Record<string, number> = {build_cpu_seconds: build, ngrams: index.table.size, index_bytes: index.table.bytes, examples: tasks.reduce((n, x) => n + x.examples.length, 0)}

if (mode === 'scan') {
  const scanner = new TextScanner(index)
  const found = new Set<string>()
  let documents = 0
  let flagged = 0
  let bytes = 0
  t = cpu()
  for (const name of readdirSync(docsDir).filter((n) => n.endsWith('.jsonl')).sort()) {
    const file = join(docsDir, name)
    bytes += statSync(file).size
    for await (const doc of iterateDocumentFile(file)) {
      documents++
      const matches = scanner.scan(doc.text)
      if (matches.length > 0) flagged++
      for (const m of matches) found.add(`${m.task}:${m.example}`)
    }
  }
  Object.assign(result, {scan_cpu_seconds: cpu() - t, bytes, documents, flagged, found: found.size})
}
result.peak_rss_bytes = process.resourceUsage().maxRSS * 1024
console.log(JSON.stringify(result))
