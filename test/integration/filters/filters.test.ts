import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {asyncBufferFromFile, parquetReadObjects} from 'hyparquet'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {iterateDclmDocuments} from '../../../src/benchmarks/dclm/documents.js'
import {synthesizeDataComp} from '../../../src/benchmarks/datacomp/synth-pool.js'
import {synthesizeDclm} from '../../../src/benchmarks/dclm/synth-pool.js'
import {loadSubset} from '../../../src/subset/index.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {runPythonCode} from '../../helpers/python-code.js'

interface FilterJson {
  filter: string
  pool_records: number
  kept: number
  subset_size: number
  fingerprint: string
  out: string
}

// Small pools in the real layout (the tiny scale's pools are 10× larger; the rules are the same).
let root: string
let datacompPool: string
let dclmPool: string
let qualityByUid: Map<string, string>

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-filters-'))
  datacompPool = join(root, 'datacomp')
  dclmPool = join(root, 'dclm')
  for (const dir of [datacompPool, dclmPool]) mkdirSync(dir)
  await synthesizeDataComp({dir: datacompPool, count: 1500, seed: 3, scale: 'tiny'})
  await synthesizeDclm({dir: dclmPool, targetWords: 60_000, seed: 3})
  const metadata = readdirSync(join(datacompPool, 'metadata')).find((f) => f.endsWith('.parquet'))!
  const rows = (await parquetReadObjects({file: await asyncBufferFromFile(join(datacompPool, 'metadata', metadata))})) as {uid: string; quality: string}[]
  qualityByUid = new Map(rows.map((r) => [r.uid, r.quality]))
  for await (const doc of iterateDclmDocuments(dclmPool)) qualityByUid.set(doc.id, String(doc.record.quality))
}, 300_000)
afterAll(() => rmSync(root, {recursive: true, force: true}))

async function filterJson(args: string[]): Promise<FilterJson> {
  const result = await runBenchJson<FilterJson>(['filter', ...args])
  expect(result.exitCode, result.stderr).toBe(0)
  return result.json
}

async function uidsOf(file: string): Promise<string[]> {
  const subset = await loadSubset(file)
  const hex: string[] = []
  const r = subset.records
  for (let i = 0; i < r.length / 4; i++) {
    const w = (k: number): string => (r[i * 4 + k] as number).toString(16).padStart(8, '0')
    hex.push(w(1) + w(0) + w(3) + w(2))
  }
  return hex
}

describe.each([
  ['datacomp', () => datacompPool],
  ['dclm', () => dclmPool],
] as const)('bench filter --benchmark %s (the built CLI, real pool files)', (benchmark, pool) => {
  it('none keeps the whole pool, oracle exactly the clean samples, heuristic something in between with less junk', async () => {
    const out = (name: string): string => join(root, `${benchmark}-${name}.npy`)
    const none = await filterJson(['--benchmark', benchmark, '--filter', 'none', '--pool', pool(), '--out', out('none')])
    const oracle = await filterJson(['--benchmark', benchmark, '--filter', 'oracle', '--pool', pool(), '--out', out('oracle')])
    const heuristic = await filterJson(['--benchmark', benchmark, '--filter', 'heuristic', '--pool', pool(), '--out', out('heuristic')])

    const all = await uidsOf(out('none'))
    expect(new Set(all).size).toBe(none.pool_records)
    const clean = all.filter((u) => qualityByUid.get(u) === 'clean')
    expect(await uidsOf(out('oracle'))).toEqual(clean)
    expect(oracle.kept).toBe(clean.length)

    const kept = await uidsOf(out('heuristic'))
    const cleanShare = (uids: string[]): number => uids.filter((u) => qualityByUid.get(u) === 'clean').length / uids.length
    expect(heuristic.kept).toBeLessThan(none.kept)
    expect(cleanShare(kept)).toBeGreaterThan(cleanShare(all) + 0.1)
    expect(cleanShare(kept)).toBeLessThan(1)
  }, 120_000)

  it('random --size keeps exactly that many, seeded, and writes what numpy writes', async () => {
    const a = await filterJson(['--benchmark', benchmark, '--filter', 'random', '--size', '300', '--seed', '1', '--pool', pool(), '--out', join(root, `${benchmark}-r1.npy`)])
    const b = await filterJson(['--benchmark', benchmark, '--filter', 'random', '--size', '300', '--seed', '1', '--pool', pool(), '--out', join(root, `${benchmark}-r1b.npy`)])
    const c = await filterJson(['--benchmark', benchmark, '--filter', 'random', '--size', '300', '--seed', '2', '--pool', pool(), '--out', join(root, `${benchmark}-r2.npy`)])
    expect(a.kept).toBe(300)
    expect(a.fingerprint).toBe(b.fingerprint)
    expect(c.fingerprint).not.toBe(a.fingerprint)
    // numpy reads it as the resharder does, finds it sorted, and np.save of that array gives the same bytes.
    const file = join(root, `${benchmark}-r1.npy`)
    const again = join(root, `${benchmark}-r1-numpy.npy`)
    const report = await runPythonCode(
      'import sys, numpy as np\n' +
        'a = np.load(sys.argv[1])\n' +
        'keys = a["f0"].astype(object) * (1 << 64) + a["f1"].astype(object)\n' +
        'np.save(sys.argv[2], a)\n' +
        'print(a.dtype.descr, a.shape[0], all(keys[i] < keys[i + 1] for i in range(len(keys) - 1)))',
      [file, again],
    )
    expect(report.trim()).toBe("[('f0', '<u8'), ('f1', '<u8')] 300 True")
    expect(readFileSync(file).equals(readFileSync(again))).toBe(true)
  }, 120_000)
})

describe('participant filters written in TypeScript', () => {
  it('runs a module whose default export is a factory, with repeats', async () => {
    const module = join(root, 'red-twice.ts')
    writeFileSync(
      module,
      [
        "type Rec = {benchmark: string; uid: string; caption: string}",
        'export default (context: {seed: number}) => ({',
        "  name: 'red-twice',",
        "  benchmarks: ['datacomp'],",
        "  decide: (r: Rec) => (r.caption.includes('red') ? {repeat: 2} : false),",
        '})',
        '',
      ].join('\n'),
    )
    const out = join(root, 'red.npy')
    const result = await filterJson(['--benchmark', 'datacomp', '--filter', module, '--pool', datacompPool, '--out', out])
    expect(result.filter).toBe('red-twice')
    expect(result.subset_size).toBe(2 * result.kept)
    expect(result.kept).toBeGreaterThan(0)
    const subset = await loadSubset(out)
    expect(subset.size).toBe(result.subset_size)
  }, 60_000)

  it.each([
    ['no default export', 'export const x = 1\n', /no default export/],
    ['no decide', "export default {name: 'x', benchmarks: ['datacomp']}\n", /no 'decide\(record\)' function/],
    ['a syntax error', 'export default {\n', /cannot be loaded/],
    ['a syntax error, named by file:line:column (from 1)', "export default {\n  name: 'x',\n  decide: (r) => r.text.length >> ,\n}\n", /^error \[DCB_FILTER_BAD\]: filter module .*bad-[a-z0-9]+\.ts:3:35: cannot be loaded: Unexpected ","$/m],
    ['a throwing decide', "export default {name: 'boom', benchmarks: ['datacomp'], decide: () => { throw new Error('kaput') }}\n", /filter 'boom' threw on sample [0-9a-f]{32}: kaput/],
    ['mixed decisions', "let i = 0\nexport default {name: 'mixed', benchmarks: ['datacomp'], decide: () => (i++ % 2 ? 0.5 : true)}\n", /both scores and keep decisions/],
    ['the wrong benchmark', "export default {name: 'text', benchmarks: ['dclm'], decide: () => true}\n", /works on dclm pools, not datacomp/],
  ])('refuses a module with %s in one line, writing nothing', async (_name, source, message) => {
    const module = join(root, `bad-${Math.random().toString(36).slice(2)}.ts`)
    writeFileSync(module, source)
    const out = join(root, 'bad.npy')
    const result = await runBench(['filter', '--benchmark', 'datacomp', '--filter', module, '--pool', datacompPool, '--out', out])
    expect(result.exitCode).toBe(2)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(message)
    expect(existsSync(out)).toBe(false)
  }, 60_000)

  it('refuses a --size beyond the count pool.json states, before reading the pool', async () => {
    const pool = join(root, 'declared')
    mkdirSync(pool)
    writeFileSync(join(pool, 'pool.json'), '{"count": 10}\n')
    // no shards: a scan would fail on them, so this error comes first
    const result = await runBench(['filter', '--benchmark', 'datacomp', '--filter', 'random', '--size', '11', '--pool', pool, '--out', join(root, 'declared.npy')])
    expect(result.exitCode).toBe(2)
    expect(result.stderr.split('\n')[0]).toBe(`error [DCB_FILTER_USAGE]: --size 11 is larger than the pool (10 samples, as ${join(pool, 'pool.json')} says)`)
  })

  it('says a metadata-only DataComp pool needs its shards downloaded', async () => {
    const pool = join(root, 'metadata-only')
    mkdirSync(join(pool, 'metadata'), {recursive: true})
    const [parquet] = readdirSync(join(datacompPool, 'metadata')).filter((n) => n.endsWith('.parquet'))
    copyFileSync(join(datacompPool, 'metadata', parquet as string), join(pool, 'metadata', parquet as string))
    const result = await runBench(['filter', '--benchmark', 'datacomp', '--filter', 'none', '--pool', pool, '--out', join(root, 'meta.npy')])
    expect(result.exitCode).toBe(2)
    const lines = result.stderr.trim().split('\n')
    expect(lines[0]).toBe(`error [DCB_POOL_INPUT]: DataComp pool ${pool}: no .tar shards in ${pool}: a metadata-only pool (metadata/*.parquet: uids, urls, captions, no images); filter and reshard need the downloaded shards`)
    expect(lines[1]).toMatch(/^ {2}hint: download the images into POOL\/shards\/ with DataComp's download_upstream\.py/)
  })

  it.each([
    [['--filter', 'nope'], /not a built-in filter \(none, random, heuristic, oracle, semdedup, ssl-prototypes, density-pruning, d4, basic, clip-score, text-based, laion2b, image-based, image-based-clip-score, dclm-refinedweb, dclm-bff, dclm-fasttext, dclm-baseline\)/],
    [['--filter', 'random'], /scores samples: say how many to keep with --size or --fraction/],
    [['--filter', 'random', '--size', '999999'], /--size 999999 is larger than the pool/],
    [['--filter', 'none', '--size', '10'], /keeps \d+ samples, not the 10 asked for/],
  ])('refuses bad usage %j in one line', async (args, message) => {
    const out = join(root, 'usage.npy')
    const result = await runBench(['filter', '--benchmark', 'datacomp', '--pool', datacompPool, '--out', out, ...args])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(existsSync(out)).toBe(false)
  }, 60_000)

  it('takes a bare name for the built-in filter even beside a folder of that name', async () => {
    const cwd = join(root, 'cwd-with-heuristic-folder')
    mkdirSync(join(cwd, 'heuristic'), {recursive: true})
    const out = join(root, 'bare-name.npy')
    const bare = await runBenchJson<FilterJson>(['filter', '--benchmark', 'datacomp', '--filter', 'heuristic', '--pool', datacompPool, '--out', out], {cwd})
    expect(bare.exitCode, bare.stderr).toBe(0)
    expect(bare.json.filter).toBe('heuristic')
    const asPath = await runBench(['filter', '--benchmark', 'datacomp', '--filter', './heuristic', '--pool', datacompPool, '--out', join(root, 'as-path.npy')], {cwd})
    expect(asPath.exitCode).toBe(2)
    expect(asPath.stderr).toMatch(/filter '\.\/heuristic': not a built-in filter .* nor a module file/)
  }, 60_000)

  it('refuses an output in a missing folder in one line, before filtering the pool', async () => {
    const out = join(root, 'no', 'such', 'dir', 'kept.npy')
    const result = await runBench(['filter', '--benchmark', 'datacomp', '--filter', 'none', '--pool', datacompPool, '--out', out])
    expect(result.exitCode).toBe(2)
    const lines = result.stderr.trim().split('\n')
    expect(lines[0]).toBe(`error [DCB_PATH]: --out ${out}: folder ${join(root, 'no', 'such', 'dir')} does not exist`)
    expect(lines.slice(1).every((line) => line.startsWith('  hint: '))).toBe(true)
    expect(result.stderr).not.toMatch(/bug in dcbench/)
    expect(existsSync(join(root, 'no'))).toBe(false)
  }, 60_000)

  it('refuses the oracle on a pool without ground truth', async () => {
    const pool = join(root, 'no-truth')
    mkdirSync(join(pool, 'documents'), {recursive: true})
    writeFileSync(join(pool, 'documents', '00000000.jsonl'), `${JSON.stringify({url: 'u', text: 'Some text here.'})}\n`)
    const result = await runBench(['filter', '--benchmark', 'dclm', '--filter', 'oracle', '--pool', pool, '--out', join(root, 'o.npy')])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/has no ground-truth 'quality' field/)
  }, 60_000)
})
