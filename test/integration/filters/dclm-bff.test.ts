import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {computeBloomSize, optimalNumberOfHashers} from '../../../src/benchmarks/dclm/bff/bloom.js'
import type {BffParams} from '../../../src/benchmarks/dclm/bff/dedup.js'
import {createBffRun} from '../../../src/benchmarks/dclm/bff/filter.js'
import {tokenize} from '../../../src/benchmarks/dclm/bff/tokenize.js'
import {dclmDocumentId} from '../../../src/benchmarks/dclm/documents.js'
import {bffDocuments} from '../../fixtures/dclm/bff-documents.js'
import {repoRoot, runBench, runBenchJson} from '../../helpers/cli.js'
import {runPython} from '../../helpers/python.js'

/**
 * dclm-bff against test/fixtures/python/dclm_bff_reference.py, which follows bff's Rust
 * (dclm 361714b dedup/bff/src/main.rs) line by line with an exact n-gram set in place of the bloom
 * filter. dcbench's filter here is sized for a false-positive rate of 1e-12 per n-gram, so over this
 * set's few thousand lookups a false positive has a chance below 1e-8: decisions must be equal.
 */

interface Reference {
  results: {keep: boolean; text: string}[]
  sizes: [number, number][]
  tokens: string[][]
}

const docs = bffDocuments()
let root: string

async function reference(spec: object): Promise<Reference> {
  const file = join(root, `spec-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(spec))
  return JSON.parse(await runPython(join(repoRoot, 'test/fixtures/python/dclm_bff_reference.py'), [file])) as Reference
}

function pyParams(p: BffParams): object {
  return {remove_type: p.removeType, min_ngram_size: p.minNgramSize, max_ngram_size: p.maxNgramSize, filtering_threshold: p.filteringThreshold}
}

const byName = (results: {keep: boolean; text: string}[]): Record<string, {keep: boolean; text: string}> => Object.fromEntries(docs.map((d, i) => [d.name, results[i]!]))

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-dclm-bff-'))
})

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

describe("dclm-bff matches bff's logic (Python reference of main.rs)", () => {
  it('tokenizes every document as UAX #29 does (the regex module), punctuation included', async () => {
    const ref = await reference({tokenize: docs.map((d) => d.text)})
    for (const [i, doc] of docs.entries()) expect(tokenize(doc.text).map((t) => t.text), doc.name).toEqual(ref.tokens[i])
  })

  const settings: BffParams[] = [
    {removeType: 'old-both', minNgramSize: 13, maxNgramSize: 13, filteringThreshold: 0.8},
    {removeType: 'old-both', minNgramSize: 3, maxNgramSize: 6, filteringThreshold: 0.5},
    {removeType: 'paragraph', minNgramSize: 5, maxNgramSize: 8, filteringThreshold: 0.8},
    {removeType: 'document', minNgramSize: 5, maxNgramSize: 8, filteringThreshold: 0.8},
    {removeType: 'both', minNgramSize: 5, maxNgramSize: 8, filteringThreshold: 0.8},
    {removeType: 'both', minNgramSize: 13, maxNgramSize: 13, filteringThreshold: 0.8},
    {removeType: 'naive-both', minNgramSize: 13, maxNgramSize: 13, filteringThreshold: 0.8},
    {removeType: 'exact', minNgramSize: 13, maxNgramSize: 13, filteringThreshold: 0.8},
    {removeType: 'paragraph', minNgramSize: 1, maxNgramSize: 2, filteringThreshold: 0},
    {removeType: 'old-both', minNgramSize: 13, maxNgramSize: 13, filteringThreshold: 1},
  ]
  for (const params of settings) {
    it(`keeps the same documents with the same text: ${params.removeType} ${params.minNgramSize}–${params.maxNgramSize}-grams, threshold ${params.filteringThreshold}`, async () => {
      const ref = await reference({params: pyParams(params), docs: docs.map((d) => d.text)})
      const run = createBffRun({...params, expectedNgramCount: 100_000, fpRate: 1e-12}, 0)
      const ours = docs.map((d) => run.dedup(d.text))
      expect(byName(ours)).toEqual(byName(ref.results))
    })
  }

  it('DCLM settings act on every kind of document in the set', async () => {
    const ref = byName((await reference({params: pyParams(settings[0]!), docs: docs.map((d) => d.text)})).results)
    const dropped = Object.keys(ref).filter((name) => !ref[name]!.keep)
    expect(dropped).toEqual(expect.arrayContaining(['exact copy of base 0', 'near copy of base 1 (1 word changed)', 'blank', 'empty', 'CRLF paragraphs', 'unicode near copy', 'base 1 paragraphs reordered', 'two base paragraphs and one new', 'more scripts again']))
    expect(ref['far copy of base 1 (12 words changed)']!.keep).toBe(true)
    expect(ref['short document again']!.keep).toBe(true)
    const docIndex = (name: string): number => docs.findIndex((d) => d.name === name)
    // paragraph removal rewrites the text: the duplicated paragraph and the newline before it go
    for (const name of ['new text with base 2 paragraph', 'paragraph repeated within the document']) {
      expect(ref[name]!.keep, name).toBe(true)
      expect(ref[name]!.text, name).not.toBe(docs[docIndex(name)]!.text)
    }
  })

  it("sizes the filter as bff's compute_bloom_size and hasher rule do", async () => {
    const cases: [number, number, number][] = [[0.01, 1_000_000, 0], [0.01, 100_000_000, 0], [0.001, 12_345, 0], [0.05, 3000, 0], [0.01, 1_000_000, 4], [1e-12, 100_000, 0]]
    const ref = await reference({sizes: cases})
    const ours = cases.map(([fp, n, k]) => {
      const size = computeBloomSize(fp, n, k, 2n ** 62n).bytes
      return [Number(size), optimalNumberOfHashers(size, n)]
    })
    expect(ours).toEqual(ref.sizes)
  })
})

describe('bench filter --filter dclm-bff', () => {
  let pool: string
  beforeAll(() => {
    pool = join(root, 'pool')
    mkdirSync(join(pool, 'documents'), {recursive: true})
    const record = (i: number): object => ({text: docs[i]!.text, url: `https://example.org/${i}`})
    // two files: pool order is file by file, then line by line
    writeFileSync(join(pool, 'documents/part-0.jsonl'), docs.slice(0, 10).map((_, i) => `${JSON.stringify(record(i))}\n`).join(''))
    writeFileSync(join(pool, 'documents/part-1.jsonl'), docs.slice(10).map((_, i) => `${JSON.stringify(record(i + 10))}\n`).join(''))
  })

  it('writes the uids of the documents the reference keeps, and states the filter memory first', async () => {
    const ref = await reference({params: pyParams({removeType: 'old-both', minNgramSize: 13, maxNgramSize: 13, filteringThreshold: 0.8}), docs: docs.map((d) => d.text)})
    const out = join(root, 'bff.npy')
    const result = await runBench(['filter', '--benchmark', 'dclm', '--filter', 'dclm-bff', '--pool', pool, '--out', out, '--expected-ngram-count', '100000', '--fp-rate', '1e-12'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/bff: bloom filter of 0\.[0-9] MiB, \d+ hashers, sized for 100000 13-grams: predicted false-positive rate 1\.00e-12/)
    const kept = docs.map((d, i) => ({d, i})).filter(({i}) => ref.results[i]!.keep).map(({d, i}) => dclmDocumentId({text: d.text, url: `https://example.org/${i}`}))
    const bytes = readFileSync(out)
    const start = bytes.indexOf(0x0a) + 1
    const uids: string[] = []
    for (let at = start; at < bytes.length; at += 16) uids.push(bytes.readBigUInt64LE(at).toString(16).padStart(16, '0') + bytes.readBigUInt64LE(at + 8).toString(16).padStart(16, '0'))
    expect(uids).toEqual(kept.sort())
  })

  it('refuses impossible settings in one line (exit 2; test/unit/benchmarks/dclm-bff.test.ts checks each message)', async () => {
    for (const [flags, message] of [
      [['--remove-type', 'substring'], /Expected --remove-type=substring to be one of/],
      [['--min-ngram-size', '20'], /--min-ngram-size 20 is larger than --max-ngram-size 13/],
    ] as [string[], RegExp][]) {
      const {exitCode, json} = await runBenchJson(['filter', '--benchmark', 'dclm', '--filter', 'dclm-bff', '--pool', pool, '--out', join(root, 'x.npy'), ...flags])
      const error = (json as {error?: {message?: string}}).error
      expect(exitCode, flags.join(' ')).toBe(2)
      expect(error?.message, flags.join(' ')).toMatch(message)
      expect(error?.message, flags.join(' ')).not.toMatch(/\n/)
    }
  })
})
