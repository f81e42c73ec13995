import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {asyncBufferFromFile, parquetReadObjects} from 'hyparquet'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {synthesizeDataComp} from '../../../src/benchmarks/datacomp/synth-pool.js'
import {repoRoot, runBench, runBenchJson} from '../../helpers/cli.js'
import {runPython} from '../../helpers/python.js'
import {runPythonCode} from '../../helpers/python-code.js'

/**
 * SemDeDup, SSL prototypes, density-based pruning and D4 against small numpy references
 * (test/fixtures/python/embedding_pruning_reference.py, written from the papers and SemDeDup's code)
 * on fixed embeddings and fixed centroids: the same uids, byte for byte. Then the k-means path
 * (no --centroids) is deterministic by --seed, and bad embedding files are one line each.
 */

const COUNT = 600
let root: string
let pool: string
let npz: string

const RUNS: Record<string, {method: string; eps?: number; largest?: number; fraction?: number; temperature?: number}> = {
  semdedup: {method: 'semdedup', eps: 0.08},
  // clusters of ~40 rows cut into parts of at most 9, as SemDeDup's largest_cluster_size_to_process
  'semdedup-parts': {method: 'semdedup', eps: 0.08, largest: 9},
  'ssl-prototypes': {method: 'ssl-prototypes', fraction: 0.3},
  'density-pruning': {method: 'density-pruning', fraction: 0.4, temperature: 0.05},
  d4: {method: 'd4', eps: 0.08, fraction: 0.3},
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-pruning-'))
  pool = join(root, 'pool')
  mkdirSync(pool)
  mkdirSync(join(root, 'reference'))
  await synthesizeDataComp({dir: pool, count: COUNT, seed: 8, scale: 'tiny'})
  const parquet = join(pool, 'metadata', readdirSync(join(pool, 'metadata')).find((f) => f.endsWith('.parquet'))!)
  npz = parquet.replace(/\.parquet$/, '.npz')
  const uids = ((await parquetReadObjects({file: await asyncBufferFromFile(parquet), columns: ['uid']})) as {uid: string}[]).map((r) => r.uid)
  // 16 concepts of uneven spread; a fifth of the rows are near-copies of an earlier row (semantic duplicates)
  await runPythonCode(`
import sys, numpy as np
npz, root, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(11)
unit = lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True)
means = unit(rng.standard_normal((16, 768)))
spread = rng.uniform(0.5, 1.6, 16)
label = rng.integers(0, 16, n)
x = unit(means[label] + spread[label, None] * rng.standard_normal((n, 768)) / np.sqrt(768) * 8)
for i in range(n // 5, n, 5):
    x[i] = unit(x[rng.integers(0, i)] + 0.002 * rng.standard_normal(768))
np.savez(npz, l14_img=x.astype(np.float16), b32_img=unit(rng.standard_normal((n, 512))).astype(np.float16))
np.save(f"{root}/centroids.npy", unit(means + 0.05 * rng.standard_normal((16, 768))).astype(np.float32))
`, [npz, root, String(COUNT)])
  const spec = {npz, array: 'l14_img', uids, centroids: join(root, 'centroids.npy'), out: join(root, 'reference'), runs: RUNS}
  writeFileSync(join(root, 'spec.json'), JSON.stringify(spec))
  await runPython(join(repoRoot, 'test/fixtures/python/embedding_pruning_reference.py'), [join(root, 'spec.json')])
}, 300_000)
afterAll(() => rmSync(root, {recursive: true, force: true}))

function args(filter: string, out: string, extra: string[] = []): string[] {
  return ['filter', '--benchmark', 'datacomp', '--filter', filter, '--pool', pool, '--out', out, '--json', ...extra]
}

describe('embedding-based pruning matches the references on fixed centroids', () => {
  for (const [name, run] of Object.entries(RUNS)) {
    it(`${name}: the same uids`, async () => {
      const out = join(root, `${name}.npy`)
      const extra = ['--centroids', join(root, 'centroids.npy')]
      if (run.eps !== undefined) extra.push('--eps', String(run.eps))
      if (run.largest !== undefined) extra.push('--largest-cluster', String(run.largest))
      if (run.fraction !== undefined) extra.push('--fraction', String(run.fraction))
      if (run.temperature !== undefined) extra.push('--temperature', String(run.temperature))
      const {exitCode, json, stderr} = await runBenchJson<{kept: number}>(args(run.method, out, extra))
      expect(exitCode, stderr).toBe(0)
      expect(json.kept).toBeGreaterThan(0)
      expect(json.kept).toBeLessThan(COUNT)
      expect(readFileSync(out).equals(readFileSync(join(root, 'reference', `${name}.npy`)))).toBe(true)
    }, 120_000)
  }

  it("cutting clusters into parts changes the reference's answer (the parts run tests something)", () => {
    expect(readFileSync(join(root, 'reference', 'semdedup.npy')).equals(readFileSync(join(root, 'reference', 'semdedup-parts.npy')))).toBe(false)
  })

  it('semdedup removes the planted near-copies, and only about that many', async () => {
    const {json} = await runBenchJson<{kept: number}>(args('semdedup', join(root, 'sd.npy'), ['--centroids', join(root, 'centroids.npy'), '--eps', '0.08']))
    const planted = Math.floor((COUNT - COUNT / 5) / 5)
    expect(COUNT - json.kept).toBeGreaterThanOrEqual(planted * 0.9)
    expect(COUNT - json.kept).toBeLessThanOrEqual(planted * 1.1)
  }, 120_000)
})

describe('fitted centroids', () => {
  it('are deterministic by --seed: the same subset twice', async () => {
    const a = join(root, 'fit-a.npy')
    const b = join(root, 'fit-b.npy')
    for (const out of [a, b]) {
      const {exitCode, stderr} = await runBenchJson(args('ssl-prototypes', out, ['--fraction', '0.5', '--clusters', '8', '--seed', '3']))
      expect(exitCode, stderr).toBe(0)
    }
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true)
  }, 120_000)
})

describe('bad embedding files: one line each, exit 2', () => {
  async function expectEmbeddingsError(python: string, pattern: RegExp, extra: string[] = []): Promise<void> {
    const broken = join(root, `broken-${Math.random().toString(36).slice(2)}`)
    mkdirSync(broken)
    await runPythonCode(`import shutil, sys; shutil.copytree(sys.argv[1], sys.argv[2], dirs_exist_ok=True)`, [pool, broken])
    const file = join(broken, 'metadata', npz.split('/').pop()!)
    await runPythonCode(`import sys, numpy as np\nf = sys.argv[1]\nn = ${COUNT}\n${python}`, [file])
    const result = await runBench(['filter', '--benchmark', 'datacomp', '--filter', 'ssl-prototypes', '--fraction', '0.5', '--clusters', '4', '--pool', broken, '--out', join(root, 'x.npy'), ...extra])
    expect(result.exitCode, result.stderr).toBe(2)
    expect(result.stderr).toMatch(/DCB_EMBEDDINGS/)
    expect(result.stderr).toMatch(pattern)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  }

  it('a wrong dtype', () => expectEmbeddingsError(`np.savez(f, l14_img=np.zeros((n, 768), np.int32))`, /dtype '<i4'.*expected little-endian float/), 120_000)
  it('a wrong shape', () => expectEmbeddingsError(`np.savez(f, l14_img=np.zeros((n * 768,), np.float16))`, /shape \(\d+,\); expected 2-D/), 120_000)
  it('rows that do not line up with the parquet', () => expectEmbeddingsError(`np.savez(f, l14_img=np.zeros((n - 1, 768), np.float16))`, /has 599 rows but .* has 600; the uids do not line up/), 120_000)
  it('a missing array', () => expectEmbeddingsError(`np.savez(f, b32_img=np.zeros((n, 512), np.float16))`, /no array 'l14_img' \(it has 'b32_img'\)/), 120_000)
  it('a file that is not an npz', () => expectEmbeddingsError(`open(f, 'wb').write(b'not a zip at all')`, /not a readable \.npz/), 120_000)
})

describe('the synthetic DataComp pool ships embeddings in the released layout', () => {
  it('numpy reads <stem>.npz: four float16 arrays, unit rows, one per parquet row, the same bytes for the same seed', async () => {
    const a = join(root, 'synth-a')
    const b = join(root, 'synth-b')
    for (const dir of [a, b]) {
      mkdirSync(dir)
      await synthesizeDataComp({dir, count: 300, seed: 4, scale: 'tiny'})
    }
    const name = readdirSync(join(a, 'metadata')).find((f) => f.endsWith('.npz'))!
    expect(readdirSync(join(a, 'metadata')).sort()).toEqual([name.replace('.npz', '.parquet'), name].sort())
    expect(readFileSync(join(a, 'metadata', name)).equals(readFileSync(join(b, 'metadata', name)))).toBe(true)
    const shapes = JSON.parse(await runPythonCode(`
import json, sys, numpy as np
z = np.load(sys.argv[1])
print(json.dumps({k: [list(z[k].shape), str(z[k].dtype), float(np.abs(np.linalg.norm(z[k].astype(np.float32), axis=1) - 1).max())] for k in z.files}))`, [join(a, 'metadata', name)])) as Record<string, [number[], string, number]>
    expect(Object.keys(shapes).sort()).toEqual(['b32_img', 'b32_txt', 'l14_img', 'l14_txt'])
    for (const [key, [shape, dtype, normError]] of Object.entries(shapes)) {
      expect(shape, key).toEqual([300, key.startsWith('b32') ? 512 : 768])
      expect(dtype).toBe('float16')
      expect(normError).toBeLessThan(2e-3)
    }
  }, 120_000)

  // of a near-duplicate pair SemDeDup may drop either one, and the shape world's clean images are alike,
  // so the check is enrichment: near-duplicates and blanks are over-represented among the dropped
  it('semdedup on the synthetic pool drops near-duplicates and blank images more than their share', async () => {
    const dir = join(root, 'synth-sd')
    mkdirSync(dir)
    await synthesizeDataComp({dir, count: 1500, seed: 2, scale: 'tiny'})
    const out = join(root, 'synth-sd.npy')
    const {exitCode, json, stderr} = await runBenchJson<{kept: number}>(args('semdedup', out, ['--eps', '0.05', '--clusters', '20']).map((a) => (a === pool ? dir : a)))
    expect(exitCode, stderr).toBe(0)
    const parquet = join(dir, 'metadata', readdirSync(join(dir, 'metadata')).find((f) => f.endsWith('.parquet'))!)
    const rows = (await parquetReadObjects({file: await asyncBufferFromFile(parquet), columns: ['uid', 'quality']})) as {uid: string; quality: string}[]
    const kept = new Set(JSON.parse(await runPythonCode(`import json, sys, numpy as np\nprint(json.dumps([f"{a:016x}{b:016x}" for a, b in np.load(sys.argv[1]).tolist()]))`, [out])) as string[])
    const dropped = rows.filter((r) => !kept.has(r.uid))
    expect(dropped.length).toBe(rows.length - json.kept)
    const isJunk = (r: {quality: string}): boolean => r.quality === 'near_duplicate' || r.quality === 'blank_image'
    expect(dropped.length).toBeGreaterThan(0)
    expect(dropped.filter(isJunk).length / dropped.length).toBeGreaterThan(1.5 * (rows.filter(isJunk).length / rows.length))
  }, 120_000)
})
