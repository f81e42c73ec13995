import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {dclmDocumentId} from '../../../src/benchmarks/dclm/documents.js'
import {DCLM_QUALITY_THRESHOLD, qualityScore} from '../../../src/benchmarks/dclm/refinedweb/builtins.js'
import {chainUrl, refinedWebSteps, runChain, type ChainStep} from '../../../src/benchmarks/dclm/refinedweb/chain.js'
import {loadRefinedWebLists} from '../../../src/benchmarks/dclm/refinedweb/lists.js'
import {countUpperAndDigits, hasAlpha, pyLen, pySplitlines, startsAlnum} from '../../../src/benchmarks/dclm/refinedweb/python-chars.js'
import {urlNetloc} from '../../../src/benchmarks/dclm/refinedweb/url-rules.js'
import {loadFastText} from '../../../src/filters/text/fasttext.js'
import {lidTraining, qualityTraining, refinedWebDocuments, type FixtureDocument} from '../../fixtures/dclm/refinedweb-documents.js'
import {repoRoot, runBench, runBenchJson} from '../../helpers/cli.js'
import {runPython} from '../../helpers/python.js'
import {runPythonCode} from '../../helpers/python-code.js'
import {sharedDir} from '../../helpers/shared.js'

/**
 * DCLM's RefinedWeb chain against upstream's own mappers (mlfoundations/dclm 361714b from
 * shared/vendor/reference, run through dclm_baseline_refinedweb.yaml by
 * test/fixtures/python/dclm_refinedweb_reference.py) on a document set where every step drops or
 * rewrites some documents and keeps others. Language ID and quality use small fastText models the
 * test trains with Debian's `fasttext`, read by both sides.
 */

interface Reference {
  kept: Record<string, string>
  dropped_by: Record<string, string>
  scores: Record<string, number>
  kept_scores: Record<string, number>
}

let root: string
let mappers: string
let pool: string
let docs: (FixtureDocument & {id: string})[]
let reference: Reference

/** The uids of a subset .npy (numpy's u8,u8 records: high and low 64 bits of the 32-hex uid). */
function subsetUids(file: string): string[] {
  const bytes = readFileSync(file)
  const headerEnd = bytes.indexOf(0x0a) + 1
  const uids: string[] = []
  for (let at = headerEnd; at < bytes.length; at += 16) uids.push(bytes.readBigUInt64LE(at).toString(16).padStart(16, '0') + bytes.readBigUInt64LE(at + 8).toString(16).padStart(16, '0'))
  return uids
}

async function fastTextTrain(name: string, text: string): Promise<string> {
  writeFileSync(join(root, `${name}.txt`), text)
  // one thread and a fixed seed: the same model every run
  await execa('fasttext', ['supervised', '-input', join(root, `${name}.txt`), '-output', join(root, name), '-dim', '8', '-epoch', '20', '-lr', '0.5', '-minn', '2', '-maxn', '4', '-bucket', '20000', '-thread', '1', '-seed', '1', '-verbose', '0'])
  return join(root, `${name}.bin`)
}

/** Each step wrapped to count the pages it dropped, passed, and rewrote. */
function counted(steps: ChainStep[]): {steps: ChainStep[]; stats: Map<string, {dropped: number; passed: number; rewrote: number}>} {
  const stats = new Map<string, {dropped: number; passed: number; rewrote: number}>()
  const wrapped = steps.map((step) => {
    const s = {dropped: 0, passed: 0, rewrote: 0}
    stats.set(step.name, s)
    return {
      name: step.name,
      run: (page: {text: string; url: string}) => {
        const before = page.text
        const keep = step.run(page)
        if (!keep) s.dropped++
        else s.passed++
        if (keep && page.text !== before) s.rewrote++
        return keep
      },
    }
  })
  return {steps: wrapped, stats}
}

beforeAll(async () => {
  // upstream's factories.py turns every '.' of its own path into '/' (_get_package_modules), so its tree
  // must sit where the path has no dots, and TMPDIR may have them (mktemp -d makes /tmp/tmp.XXXXXXXXXX)
  root = mkdtempSync(join(tmpdir().includes('.') ? '/tmp' : tmpdir(), 'dcbench-dclm-refinedweb-'))
  const upstream = join(root, 'dclm')
  mkdirSync(upstream)
  await execa('tar', ['-xzf', join(sharedDir(), 'vendor/reference/dclm-baselines-361714b.tar.gz'), '-C', upstream, '--strip-components=1'])
  mappers = join(upstream, 'baselines/mappers')
  // upstream does not ship its curated domain list: the test's stands in for it on both sides
  writeFileSync(join(mappers, 'banlists/refinedweb_banned_domains_curated.txt'), 'bad-domain.example\nother.example\n')
  const lid = await fastTextTrain('lid', lidTraining())
  const quality = await fastTextTrain('quality', qualityTraining())
  docs = refinedWebDocuments().map((doc) => ({...doc, id: dclmDocumentId(doc)}))
  // the same text under another URL: a second document whose text bff removes in dclm-baseline
  const again = {...docs[0]!, name: 'clean 0 under another URL', url: 'https://example.org/copy'}
  docs.push({...again, id: dclmDocumentId(again)})
  pool = join(root, 'pool')
  mkdirSync(join(pool, 'documents'), {recursive: true})
  const record = (doc: FixtureDocument): object => ({text: doc.text, url: doc.url, metadata: {'WARC-Target-URI': doc.url}})
  writeFileSync(join(pool, 'documents/part-0.jsonl'), docs.map((doc) => `${JSON.stringify(record(doc))}\n`).join(''))
  writeFileSync(join(root, 'reference-input.jsonl'), docs.map((doc) => `${JSON.stringify({id: doc.id, ...record(doc)})}\n`).join(''))
  const spec = {documents: join(root, 'reference-input.jsonl'), lid_model: lid, quality_model: quality, out: join(root, 'reference.json')}
  writeFileSync(join(root, 'spec.json'), JSON.stringify(spec))
  await runPython(join(repoRoot, 'test/fixtures/python/dclm_refinedweb_reference.py'), [upstream, join(root, 'spec.json')])
  reference = JSON.parse(readFileSync(spec.out, 'utf8')) as Reference
}, 300_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

describe("DCLM's RefinedWeb chain matches upstream's mappers", () => {
  it('keeps the same documents with the same rewritten text, dropped at the same step, and every step acts', async () => {
    const lists = await loadRefinedWebLists(mappers, 'test')
    const {steps, stats} = counted(refinedWebSteps(lists, await loadFastText(join(root, 'lid.bin'))))
    const kept: Record<string, string> = {}
    const droppedBy: Record<string, string> = {}
    for (const doc of docs) {
      const result = runChain(steps, doc.text, chainUrl(doc.url, {metadata: {'WARC-Target-URI': doc.url}}))
      if (result.keep) kept[doc.id] = result.text
      else droppedBy[doc.id] = (result.droppedBy as string).replace(/\(.*\)$/, '')
    }
    const named = (map: Record<string, string>): Record<string, string> => Object.fromEntries(docs.filter((d) => d.id in map).map((d) => [d.name, map[d.id] as string]))
    expect(named(droppedBy)).toEqual(named(reference.dropped_by))
    expect(named(kept)).toEqual(named(reference.kept))
    // the rewritten pages the comparison must cover are among the kept ones
    const rewritten = ['non-ASCII classes', 'an uppercase line', 'a number line', 'counters', 'a one-word line', 'items in cart', 'read more', 'sign-in', 'URL removed (page starts with "The")', 'IPv4 address removed', 'many blank lines']
    expect(Object.keys(named(reference.kept))).toEqual(expect.arrayContaining(rewritten))
    // every filter drops some documents and passes others; every modifier rewrites some page
    const idle: string[] = []
    for (const [name, s] of stats) {
      if (name === 'word_counter_enricher') continue
      if (/modifier/.test(name) ? s.rewrote === 0 : s.dropped === 0 || s.passed === 0) idle.push(`${name} (drops ${s.dropped}, passes ${s.passed}, rewrites ${s.rewrote})`)
    }
    expect(idle, `${idle.join('; ')}\n${JSON.stringify(named(droppedBy), null, 1)}`).toEqual([])
  })

  it('bench filter --filter dclm-refinedweb writes the uids upstream keeps', async () => {
    const out = join(root, 'refinedweb.npy')
    const {exitCode, json} = await runBenchJson(['filter', '--benchmark', 'dclm', '--filter', 'dclm-refinedweb', '--pool', pool, '--out', out, '--upstream-mappers', mappers, '--lid-model', join(root, 'lid.bin')])
    expect(exitCode).toBe(0)
    expect(json.kept).toBe(Object.keys(reference.kept).length)
    expect(subsetUids(out)).toEqual(Object.keys(reference.kept).sort())
  })

  it('dclm-fasttext scores as upstream and keeps score ≥ --threshold; dclm-baseline chains, runs bff and classifies', async () => {
    const model = await loadFastText(join(root, 'quality.bin'))
    for (const doc of docs) expect(qualityScore(model, doc.text), doc.name).toBe(reference.scores[doc.id])
    const scores = Object.values(reference.scores).sort((a, b) => a - b)
    const t = scores[Math.floor(scores.length / 2)] as number
    const out = join(root, 'fasttext.npy')
    expect((await runBenchJson(['filter', '--benchmark', 'dclm', '--filter', 'dclm-fasttext', '--pool', pool, '--out', out, '--model', join(root, 'quality.bin'), '--threshold', String(t)])).exitCode).toBe(0)
    expect(subsetUids(out)).toEqual(docs.filter((d) => (reference.scores[d.id] as number) >= t).map((d) => d.id).sort())

    // without --threshold the score ranks the pool: --size N keeps the N best (N chosen off a tie)
    const ranked = docs.map((d) => reference.scores[d.id] as number).sort((a, b) => b - a)
    let n = 10
    while (ranked[n - 1] === ranked[n]) n++
    const top = join(root, 'fasttext-top.npy')
    expect((await runBenchJson(['filter', '--benchmark', 'dclm', '--filter', 'dclm-fasttext', '--pool', pool, '--out', top, '--model', join(root, 'quality.bin'), '--size', String(n)])).exitCode).toBe(0)
    expect(subsetUids(top)).toEqual(docs.filter((d) => (reference.scores[d.id] as number) >= (ranked[n - 1] as number)).map((d) => d.id).sort())

    // dclm-baseline: the chain's output through bff (old-both, 13-grams, 0.8: test/fixtures/python/dclm_bff_reference.py), then the classifier on bff's text
    const chained = docs.filter((d) => reference.kept[d.id] !== undefined)
    writeFileSync(join(root, 'bff-spec.json'), JSON.stringify({params: {remove_type: 'old-both', min_ngram_size: 13, max_ngram_size: 13, filtering_threshold: 0.8}, docs: chained.map((d) => reference.kept[d.id])}))
    const bff = (JSON.parse(await runPython(join(repoRoot, 'test/fixtures/python/dclm_bff_reference.py'), [join(root, 'bff-spec.json')])) as {results: {keep: boolean; text: string}[]}).results
    const expected = chained.filter((d, i) => {
      const {keep, text} = bff[i]!
      if (!keep) return false
      return (text === reference.kept[d.id] ? (reference.kept_scores[d.id] as number) : qualityScore(model, text)) >= DCLM_QUALITY_THRESHOLD
    })
    expect(expected.length, 'the fixture keeps some documents through the whole baseline').toBeGreaterThan(0)
    expect(bff.filter((r) => !r.keep).length, 'bff removes some of the chain\'s documents').toBeGreaterThan(0)
    const baseline = join(root, 'baseline.npy')
    expect((await runBenchJson(['filter', '--benchmark', 'dclm', '--filter', 'dclm-baseline', '--pool', pool, '--out', baseline, '--model', join(root, 'quality.bin'), '--upstream-mappers', mappers, '--lid-model', join(root, 'lid.bin')])).exitCode).toBe(0)
    expect(subsetUids(baseline)).toEqual(expected.map((d) => d.id).sort())
  })

  it('refuses a quality model that is not fastText, and a missing --upstream-mappers, in one line each', async () => {
    writeFileSync(join(root, 'not-a-model.bin'), 'this is a text file\n')
    const bad = await runBench(['filter', '--benchmark', 'dclm', '--filter', 'dclm-fasttext', '--pool', pool, '--out', join(root, 'x.npy'), '--model', join(root, 'not-a-model.bin'), '--threshold', '0.5'])
    expect(bad.exitCode, bad.stderr).toBe(2)
    expect(bad.stderr.split('\n').filter((l) => l.includes('DCB_MODEL_FILE')), bad.stderr).toHaveLength(1)
    expect(bad.stderr).toMatch(/DCB_MODEL_FILE.*not-a-model\.bin.*not a fastText model/)
    expect(bad.stderr).not.toMatch(/\n\s+at /)
    const missing = await runBench(['filter', '--benchmark', 'dclm', '--filter', 'dclm-refinedweb', '--pool', pool, '--out', join(root, 'y.npy')])
    expect(missing.exitCode, missing.stderr).toBe(2)
    expect(missing.stderr).toMatch(/DCB_FILTER_USAGE.*--upstream-mappers/)
  })

  it("Python's character predicates, splitlines and urlparse's netloc, as Python 3.11 computes them", async () => {
    // every code point Python 3.11's Unicode 14 assigns (newer letters and digits are Node's alone)
    const py = JSON.parse(
      await runPythonCode(`
import json, sys, unicodedata
from urllib.parse import urlparse
cps = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"]
out = {k: [c for c in cps if f(chr(c))] for k, f in [("upper", str.isupper), ("digit", str.isdigit), ("alpha", str.isalpha), ("alnum", str.isalnum)]}
out["assigned"] = cps
texts = json.loads(sys.argv[1])
out["splitlines"] = [t.splitlines() for t in texts]
out["netloc"] = [urlparse(t).netloc for t in texts]
print(json.dumps(out))
`, [JSON.stringify(SAMPLES)]),
    ) as Record<'upper' | 'digit' | 'alpha' | 'alnum' | 'assigned', number[]> & {splitlines: string[][]; netloc: string[]}
    const sets = {upper: new Set(py.upper), digit: new Set(py.digit), alpha: new Set(py.alpha), alnum: new Set(py.alnum)}
    const wrong: string[] = []
    for (const cp of py.assigned) {
      const c = String.fromCodePoint(cp)
      const {upper, digits} = countUpperAndDigits(c)
      const ours = {upper: upper === 1, digit: digits === 1, alpha: hasAlpha(c), alnum: startsAlnum(c)}
      for (const key of ['upper', 'digit', 'alpha', 'alnum'] as const) if (ours[key] !== sets[key].has(cp)) wrong.push(`${key} U+${cp.toString(16)}`)
      if (pyLen(c) !== 1) wrong.push(`len U+${cp.toString(16)}`)
    }
    expect(wrong.slice(0, 20)).toEqual([])
    expect(SAMPLES.map(pySplitlines)).toEqual(py.splitlines)
    expect(SAMPLES.map(urlNetloc)).toEqual(py.netloc)
  })
})

/** Strings for splitlines and urlparse: every line boundary, schemes, user/port, controls. */
const SAMPLES = [
  'a\nb\r\nc\rd\ve\ff\x1cg\x1dh\x1ei\x85j\u2028k\u2029l\n', '', '\n', 'x\n\n', 'no break',
  'http://Example.COM/a?b#c', ' https://user:pw@host.example:8080/p', '\thttp://a\tb.example/', '//x.example/a', 'x.example/a', 'http:/x.example',
  'HTTP://X.EXAMPLE', '1http://x.example', 'ht tp://x.example', 'mailto:x@y.example', 'http://x.example?q=1', 'http://x.example#f', 'a+b-c.d://host/p', '\x00\x1f http://c0.example/',
]
