import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {parquetWriteBuffer} from 'hyparquet-writer'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {dclmDocumentId} from '../../../src/benchmarks/dclm/documents.js'
import {TOKENIZED_FORMAT} from '../../../src/benchmarks/dclm/reshard.js'
import {readContaminationReport, type ContaminationReport} from '../../../src/contamination/report.js'
import {loadShippedTokenizer, shippedTokenizerFile, TINY_WORLD_TOKENIZER} from '../../../src/tokenizers/index.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {sharedDir} from '../../helpers/shared.js'
import {tarFile} from '../../helpers/tar-file.js'

/**
 * `bench subset contamination --benchmark dclm` through the built CLI, on real eval data (the ICL
 * files of llm-foundry's local_data in shared/data/icl) and a real DCLM pool (bench pool synth's
 * generator) with documents planted in it: each quotes one eval example inside other text, in the
 * formats of several task types, or holds only the template text tasks repeat.
 */

const TASKS = ['arc_easy', 'commonsense_qa', 'lambada_openai', 'winogrande', 'bigbench_cs_algorithms', 'bigbench_dyck_languages', 'bigbench_qa_wikidata']

interface Planted {
  name: string
  text: string
  /** The [task, example] it quotes, or undefined for a document that must stay clean. */
  quotes?: [string, number]
}

function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
}

let dir: string
let icl: string
let pool: string
let cache: string
let planted: (Planted & {id: string})[]
let cleanIds: string[]

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcbench-contamination-dclm-'))
  icl = join(sharedDir(), 'data', 'icl')
  pool = join(dir, 'pool')
  cache = join(dir, 'cache')
  const {ids} = await makeDclmPool(pool, 6000)
  cleanIds = ids
  const arc = jsonl(join(icl, 'world_knowledge/arc_easy.jsonl'))
  const csqa = jsonl(join(icl, 'commonsense_reasoning/commonsense_qa.jsonl'))
  const lambada = jsonl(join(icl, 'language_understanding/lambada_openai.jsonl'))
  const wino = jsonl(join(icl, 'language_understanding/winogrande.jsonl'))
  const wiki = jsonl(join(icl, 'world_knowledge/bigbench_qa_wikidata.jsonl'))
  const a = arc[41] as {query: string; choices: string[]; gold: number}
  const c = csqa[7] as {query: string; choices: string[]; gold: number}
  const l = lambada[100] as {context: string; continuation: string}
  const w = wino[12] as {context_options: string[]; continuation: string; gold: number}
  const longWiki = wiki.findIndex((r) => `${r.context as string} ${r.continuation as string}`.split(/\s+/).length >= 9)
  const k = wiki[longWiki] as {context: string; continuation: string}
  const planted_: Planted[] = [
    {name: 'arc', quotes: ['arc_easy', 41], text: `My homework today.\n\n${a.query.replace(/^Question: /, 'Q: ')} ${a.choices[a.gold]}\n\nI think that is right.`},
    {name: 'csqa', quotes: ['commonsense_qa', 7], text: `Forum post: ${c.query} ${c.choices[c.gold]} -- posted by someone`},
    {name: 'lambada', quotes: ['lambada_openai', 100], text: `CHAPTER ONE\n${l.context.toUpperCase()} ${l.continuation}.\nCHAPTER TWO`},
    {name: 'winogrande', quotes: ['winogrande', 12], text: `Some riddles: ${w.context_options[w.gold]} ${w.continuation} Which one?`},
    {name: 'wikidata', quotes: ['bigbench_qa_wikidata', longWiki], text: `Trivia night! ${k.context} ${k.continuation}. Next question.`},
    {name: 'lcs template', text: 'Given two strings, determine the length of the longest common subsequence.\n\nStrings: HELLO WORLD\nLength of longest common subsequence: 3'},
    {name: 'dyck template', text: 'Complete the rest of the sequence, making sure that the parentheses are closed properly. \n\nInput: ( [ ] \nOutput: )'},
    {name: 'question template', text: 'Question: what is a dog?\nChoices:\nA. an animal\nB. a rock\nAnswer: A'},
    {name: 'twelve words of an example', text: `Almost: ${l.context.split(/\s+/).slice(-12).join(' ')}`},
  ]
  planted = planted_.map((p, i) => ({...p, id: dclmDocumentId({url: `https://planted.example/${i}`, text: p.text})}))
  writeFileSync(join(pool, 'documents', 'zz-planted.jsonl'), planted.map((p, i) => `${JSON.stringify({url: `https://planted.example/${i}`, text: p.text})}\n`).join(''))
}, 600_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

const base = (): string[] => ['--benchmark', 'dclm', '--pool', pool, '--data', icl, '--tasks', TASKS.join(','), '--cache-dir', cache]

function flaggedPairs(report: ContaminationReport): string[] {
  return report.findings.map((f) => `${f.record}:${f.task}:${f.example}`).sort()
}

describe('bench subset contamination --benchmark dclm', () => {
  it('flags exactly the documents that quote an eval example, with task, example and matched span', async () => {
    const out = join(dir, 'all.json')
    const {exitCode, json} = await runBenchJson<ContaminationReport>(['subset', 'contamination', 'all', ...base(), '--out', out])
    expect(exitCode).toBe(1)
    const expected = planted.filter((p) => p.quotes).map((p) => `${p.id}:${p.quotes![0]}:${p.quotes![1]}`).sort()
    expect(flaggedPairs(json)).toEqual(expected)
    expect(json.records_flagged).toBe(expected.length)
    expect(json.source.records).toBe(cleanIds.length + planted.length)
    // the span is the document's own text of the quoted example
    const lambada = json.findings.find((f) => f.task === 'lambada_openai')!
    const doc = planted.find((p) => p.name === 'lambada')!
    expect(doc.text.slice(lambada.span!.start, lambada.span!.end)).toBe(lambada.span!.text)
    expect(lambada.span!.text.startsWith(doc.text.split('\n')[1]!.slice(0, 30))).toBe(true)
    expect(lambada.where).toMatch(/zz-planted\.jsonl:3$/)
    // per task: the fraction found, and the template n-grams dropped as boilerplate
    const arc = json.tasks.find((t) => t.task === 'arc_easy')!
    expect(arc.records_flagged).toBe(1)
    expect(arc.parts[0]).toMatchObject({kind: 'examples', total: 2376, found: 1, found_by: {ngram: 1}})
    expect(arc.parts[0]!.fraction_found).toBeCloseTo(1 / 2376, 12)
    const dyck = json.tasks.find((t) => t.task === 'bigbench_dyck_languages')!
    expect(dyck.boilerplate!.ngrams).toBeGreaterThan(0)
    expect(dyck.boilerplate!.samples[0]!.text).toContain('Complete the rest of the sequence')
    expect(dyck.parts[0]!.unchecked.only_boilerplate).toBe(1000)
    // the file holds the same report, and validates against the schema
    const file = await readContaminationReport(out)
    expect(flaggedPairs(file)).toEqual(expected)
    expect(file.findings_total).toBe(expected.length)
  })

  it('gives the same findings for npy, parquet and csv subsets of the same ids, and is clean on a clean subset', async () => {
    const chosen = [...cleanIds.slice(0, 40), ...planted.map((p) => p.id)]
    const npy = join(dir, 'subset.npy')
    await writeSubsetNpy(npy, new Map(chosen.map((id) => [id, 1])))
    const csv = join(dir, 'subset.csv')
    writeFileSync(csv, `uid\n${[...chosen].reverse().join('\n')}\n`)
    const parquet = join(dir, 'subset.parquet')
    writeFileSync(parquet, new Uint8Array(parquetWriteBuffer({columnData: [{name: 'uid', data: chosen, type: 'STRING'}]})))
    const reports: ContaminationReport[] = []
    for (const file of [npy, parquet, csv]) {
      const {exitCode, json} = await runBenchJson<ContaminationReport>(['subset', 'contamination', file, ...base()])
      expect(exitCode).toBe(1)
      reports.push(json)
    }
    const comparable = (r: ContaminationReport) => ({...r, source: {...r.source, subset: {...r.source.subset!, file: '', format: ''}}, notes: []})
    expect(comparable(reports[1]!)).toEqual(comparable(reports[0]!))
    expect(comparable(reports[2]!)).toEqual(comparable(reports[0]!))
    expect(reports[0]!.source).toMatchObject({kind: 'subset', records: chosen.length})
    expect(reports[0]!.source.fingerprint).toMatch(/^[0-9a-f]{64}$/)

    const clean = join(dir, 'clean.csv')
    writeFileSync(clean, `uid\n${cleanIds.slice(0, 50).join('\n')}\n`)
    const result = await runBench(['subset', 'contamination', clean, ...base()])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('clean: no eval item of dclm-53 found in 50 records')
  })

  it('checks resharded training data: sequences decoded with its tokenizer', async () => {
    const data = join(dir, 'train-data')
    mkdirSync(data)
    const tokenizer = loadShippedTokenizer(TINY_WORLD_TOKENIZER)
    const docs = [planted.find((p) => p.name === 'winogrande')!.text, 'a clean sequence of words about nothing in particular at all', planted.find((p) => p.name === 'lcs template')!.text]
    // sequence 0: doc 0 then EOT then doc 1; sequence 1: doc 2
    const sequences = [[...tokenizer.encode(docs[0]!), 0, ...tokenizer.encode(docs[1]!)], tokenizer.encode(docs[2]!)]
    writeFileSync(join(data, 'shard_00000000.tar'), await tarFile(sequences.map((ids, i) => [`seq-${i}.json.gz`, gzipSync(JSON.stringify(ids))])))
    writeFileSync(join(data, 'tokenizer.json'), readFileSync(shippedTokenizerFile(TINY_WORLD_TOKENIZER)!))
    writeFileSync(join(data, 'tokenized.json'), JSON.stringify({format: TOKENIZED_FORMAT, eot_token_id: 0, pad_token_id: 1, subset: {fingerprint: 'f'.repeat(64), size: 3}, pool: {index_sha256: null}, shards: [{name: 'shard_00000000', num_sequences: 2}]}))
    const {exitCode, json} = await runBenchJson<ContaminationReport>(['subset', 'contamination', '--benchmark', 'dclm', '--train-data', data, '--data', icl, '--tasks', TASKS.join(','), '--cache-dir', cache])
    expect(exitCode).toBe(1)
    expect(json.source).toMatchObject({kind: 'train-data', records: 3, fingerprint: 'f'.repeat(64)})
    expect(json.findings.map((f) => [f.record, f.task, f.example])).toEqual([['shard_00000000.tar/seq-0.json.gz#0', 'winogrande', 12]])
  })

  it('refuses what it cannot use with one line and exit 2, writing no report', async () => {
    const out = join(dir, 'never.json')
    const missing = await runBench(['subset', 'contamination', 'all', '--benchmark', 'dclm', '--pool', pool, '--data', icl, '--tasks', 'arc_easy,hellaswag', '--out', out])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/error \[DCB_EVAL_DATA_MISSING\]: .*no data for 1 of 2 task\(s\): hellaswag \(language_understanding\/hellaswag\.jsonl\)/)
    expect(missing.stderr).toContain("llm-foundry's scripts/eval/local_data/")

    const badPool = join(dir, 'bad-pool')
    mkdirSync(join(badPool, 'documents'), {recursive: true})
    writeFileSync(join(badPool, 'documents', 'a.jsonl'), '{"text": "fine"}\n{"text": broken\n')
    const broken = await runBench(['subset', 'contamination', 'all', '--benchmark', 'dclm', '--pool', badPool, '--data', icl, '--tasks', 'arc_easy', '--cache-dir', cache, '--out', out])
    expect(broken.exitCode).toBe(2)
    expect(broken.stderr.split('\n').filter((line) => line.startsWith('error'))).toEqual([expect.stringMatching(/^error \[DCB_POOL_INPUT\]: DCLM documents .*a\.jsonl, line 2: not valid JSON/)])
    expect(existsSync(out)).toBe(false)

    const unknown = await runBench(['subset', 'contamination', 'all', '--benchmark', 'dclm', '--pool', pool, '--data', icl, '--tasks', 'nope'])
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toContain("unknown task of dclm-53 'nope'")
    const noPool = await runBench(['subset', 'contamination', 'subset.npy', '--benchmark', 'dclm', '--data', icl])
    expect(noPool.exitCode).toBe(2)
    expect(noPool.stderr).toContain('missing --pool POOL_DIR')
  })
})
