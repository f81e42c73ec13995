// Throughput of DCLM's n-gram contamination check against a plain Python implementation of the same
// check on the same files, and the memory of the eval index of the whole 53-task suite.
//
//   npx tsx bench/contamination/text.ts [--words 3M] [--icl DIR]
//
// Documents: a tiny DCLM pool (bench pool synth's text world) of --words words, written as plain
// JSONL, one document in 50 with an eval example quoted inside it. Eval side: the example texts of
// every DCLM task whose file is in --icl (default shared/data/icl: 18 of the 53 tasks).
//   - dcbench (text-child.ts, its own process): index build, then every document tokenized and
//     looked up (TextScanner), as `bench subset contamination` runs it (document ids included);
//   - Python (Debian /usr/bin/python3, ngram_baseline.py): the same words, n-grams, boilerplate rule
//     and lookups with tuples in a dict.
// Throughput is bytes of JSONL per CPU second of the scan (user + system: per core, and unmoved by
// other load on a shared machine). Target (issue 22): dcbench ≥ 2× Python. Both must flag the same
// documents and find the same examples.
//
// Memory for the full suite: the index of the 18 real task files plus stand-ins for the 35 tasks
// whose files are not here (MMLU, HellaSwag, SQuAD, CoQA, BBQ… — DCLM's CSV rows counts from
// evaluators/dclm/suite.yaml, random words at the lengths in STAND_IN_WORDS, an assumption that errs
// long), built in its own process: index bytes and peak RSS.
import {execFileSync} from 'node:child_process'
import {createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {once} from 'node:events'
import {cpus, loadavg, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import '../../src/benchmarks/builtins.js'
import {exampleTexts} from '../../src/benchmarks/dclm/contamination.js'
import {iterateDclmDocuments} from '../../src/benchmarks/dclm/documents.js'
import {synthesizeDclm} from '../../src/benchmarks/dclm/synth-pool.js'
import {readIclFile} from '../../src/eval/lm/icl-data.js'
import {loadLmSuite} from '../../src/eval/lm/suite.js'
import {findHostPython} from '../../src/runner/host-python.js'
import {createRng} from '../../src/util/rng.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../..')

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback
}

const words = Math.round(Number(arg('words', '3M').replace(/M$/i, 'e6').replace(/K$/i, 'e3')))
const icl = arg('icl', [join(root, '../shared/data/icl'), join(root, '../../shared/data/icl')].find(existsSync) ?? '')
if (!existsSync(icl)) throw new Error(`no ICL data at '${icl}': pass --icl DIR (llm-foundry's local_data)`)

/** Words per example assumed for the tasks whose files are not here (their text, prompt + gold answer). */
const STAND_IN_WORDS: Record<string, number> = {
  mmlu_zeroshot: 60, mmlu_fewshot: 60, hellaswag_zeroshot: 70, hellaswag: 70, jeopardy: 25, triviaqa_sm_sub: 20, gsm8k_cot: 120, agi_eval_sat_math_cot: 100,
  aqua_cot: 80, svamp_cot: 50, bigbench_misconceptions: 30, siqa: 40, bigbench_novel_concepts: 40, bigbench_strange_stories: 120, bigbench_strategy_qa: 30,
  bigbench_conlang_translation: 40, bigbench_conceptual_combinations: 40, bigbench_elementary_math_qa: 40, bigbench_logical_deduction: 120, simple_arithmetic_nospaces: 8,
  simple_arithmetic_withspaces: 10, math_qa: 60, logi_qa: 180, pubmed_qa_labeled: 280, squad: 160, agi_eval_lsat_rc: 450, agi_eval_lsat_lr: 180, coqa: 320,
  bigbench_understanding_fables: 150, agi_eval_sat_en: 600, winogender_mc_female: 25, winogender_mc_male: 25, enterprise_pii_classification: 200, bbq: 80, gpqa_main: 120, gpqa_diamond: 120,
}

const dir = mkdtempSync(join(tmpdir(), 'dcbench-bench-contamination-'))
try {
  // eval side: the tasks whose files exist
  const suite = loadLmSuite('dclm-53')
  const real = suite.tasks.filter((t) => existsSync(join(icl, t.dataset)))
  const tasks = real.map((t) => ({key: t.label, examples: exampleTexts(readIclFile(join(icl, t.dataset), t.type))}))
  writeFileSync(join(dir, 'examples.json'), JSON.stringify({tasks}))

  // documents: the pool generator's text, as plain JSONL, with quotes planted
  process.stderr.write(`writing ${words} words of documents…\n`)
  const pool = join(dir, 'pool')
  await synthesizeDclm({dir: pool, targetWords: words, seed: 11})
  const docs = join(dir, 'docs')
  const rng = createRng('bench-contamination')
  mkdirSync(docs)
  const file = createWriteStream(join(docs, 'documents.jsonl'))
  let i = 0
  for await (const doc of iterateDclmDocuments(pool)) {
    let text = doc.text
    if (i++ % 50 === 0) {
      const task = rng.pick(tasks)
      text = `${text.slice(0, 200)} ${rng.pick(task.examples)} ${text.slice(200)}`
    }
    if (!file.write(`${JSON.stringify({url: doc.record.url, text})}\n`)) await once(file, 'drain')
  }
  file.end()
  await once(file, 'finish')

  const tsx = join(root, 'node_modules/.bin/tsx')
  const child = (...args: string[]): Record<string, number> => JSON.parse(execFileSync(tsx, [join(here, 'text-child.ts'), ...args], {encoding: 'utf8', maxBuffer: 1 << 26})) as Record<string, number>
  process.stderr.write('dcbench…\n')
  const ours = child('scan', join(dir, 'examples.json'), docs)
  const python = await findHostPython()
  if (!python) throw new Error('no python3 found (set DCBENCH_PYTHON)')
  process.stderr.write('python…\n')
  const theirs = JSON.parse(execFileSync(python.path, [join(here, 'ngram_baseline.py'), join(dir, 'examples.json'), docs], {encoding: 'utf8', maxBuffer: 1 << 26})) as Record<string, number>

  // the whole suite: real files + stand-ins
  const standIn = createRng('bench-contamination-stand-ins')
  const vocabulary = Array.from({length: 50_000}, (_, k) => `w${k.toString(36)}`)
  const full = [...tasks]
  for (const t of suite.tasks.filter((x) => !real.includes(x))) {
    const length = STAND_IN_WORDS[t.label] ?? 60
    full.push({key: t.label, examples: Array.from({length: t.datapoints}, () => Array.from({length}, () => standIn.pick(vocabulary)).join(' '))})
  }
  writeFileSync(join(dir, 'full.json'), JSON.stringify({tasks: full}))
  process.stderr.write('full suite index…\n')
  const whole = child('index', join(dir, 'full.json'))

  const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)
  const rate = (r: Record<string, number>): number => r.bytes! / 2 ** 20 / r.scan_cpu_seconds!
  console.log(`machine: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; documents: ${ours.documents} (${mb(ours.bytes!)} MiB of JSONL); eval: ${tasks.length} real task files, ${ours.examples} examples`)
  console.log('')
  console.log('| | index build (CPU s) | scan (CPU s) | MiB/s per core | documents flagged | examples found | peak RSS (MiB) |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const [name, r] of [['dcbench', ours], ['Python', theirs]] as const) {
    console.log(`| ${name} | ${r.build_cpu_seconds!.toFixed(2)} | ${r.scan_cpu_seconds!.toFixed(2)} | ${rate(r).toFixed(2)} | ${r.flagged} | ${r.found} | ${mb(r.peak_rss_bytes!)} |`)
  }
  console.log(`\nratio (dcbench / Python, MiB per CPU second): ${(rate(ours) / rate(theirs)).toFixed(2)}× (target ≥ 2×); same documents flagged: ${ours.flagged === theirs.flagged}; same examples found: ${ours.found === theirs.found}`)
  console.log(`\nfull 53-task suite (${suite.tasks.length - real.length} stand-ins): ${whole.examples} examples, ${whole.ngrams} distinct n-grams, index ${mb(whole.index_bytes!)} MiB, build ${whole.build_cpu_seconds!.toFixed(1)} CPU s, peak RSS ${mb(whole.peak_rss_bytes!)} MiB`)
} finally {
  rmSync(dir, {recursive: true, force: true})
}

