import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {asyncBufferFromFile, parquetReadObjects} from 'hyparquet'
import {parquetWriteBuffer} from 'hyparquet-writer'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {synthesizeDataComp} from '../../../src/benchmarks/datacomp/synth-pool.js'
import {firstSynsetOffset, loadTextBasedTables} from '../../../src/benchmarks/datacomp/text-based.js'
import {bundledLid176} from '../../../src/filters/text/fasttext.js'
import {loadCld3} from '../../../src/filters/text/gcld3.js'
import {repoRoot, runBench, runBenchJson} from '../../helpers/cli.js'
import {runPython} from '../../helpers/python.js'
import {runPythonCode} from '../../helpers/python-code.js'
import {sharedDir} from '../../helpers/shared.js'

/**
 * DataComp's official baselines against upstream's own apply_filter.py (shared/vendor/reference),
 * run by test/fixtures/python/datacomp_baselines_reference.py on the same pool: two metadata
 * parquets whose rows hit every rule's boundaries (sizes 199/200, aspect 3.0, 5/6 characters,
 * 2/3 words, Python-only whitespace, newlines, tied scores), and their `.npz` features (one stored,
 * one deflated, float16 as released). Each subset must be byte-identical to upstream's np.save.
 * text_based runs upstream's code with Debian's python3-nltk on Debian's WordNet 3.0 (wordnet-base).
 */

let root: string
let pool: string
let reference: string
const PARTS = 2
const PER_PART = 150

const CAPTIONS = [
  'a photo of a dog on the beach', 'ein Hund am Strand mit einem roten Ball', 'le chien rouge sur la plage', 'dog', 'a cat', 'a red car\nparked outside the house',
  'tiny', 'abc de', 'abc def', 'two\u00a0words here', 'x\u001cy z', 'the big red house in the snow', 'photo', 'la maison bleue', 'sunset over the mountains with clouds',
  'Hello world', 'a  b c', 'IMG_1234.jpg', '新しい車の写真です', 'una foto de un perro en la playa', 'close-up of a yellow flower\n\n', 'red\tcar', 'a b', 'Stock Photo - a businessman using a laptop',
]
const SIZES: [number, number][] = [[640, 480], [200, 600], [199, 400], [601, 200], [600, 200], [300, 300], [1000, 200], [200, 200], [512, 199], [4000, 3000]]

/** A small deterministic generator (the test's own rows; no dependence on Math.random). */
function lcg(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state / 2 ** 32
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-baselines-'))
  pool = join(root, 'pool')
  reference = join(root, 'reference')
  for (const dir of [pool, reference, join(root, 'sidecar'), join(root, 'upstream')]) mkdirSync(dir)
  await synthesizeDataComp({dir: pool, count: PARTS * PER_PART, seed: 5, scale: 'tiny'})
  const metaDir = join(pool, 'metadata')
  const original = readdirSync(metaDir).find((f) => f.endsWith('.parquet'))!
  const uids = ((await parquetReadObjects({file: await asyncBufferFromFile(join(metaDir, original)), columns: ['uid']})) as {uid: string}[]).map((r) => r.uid)
  unlinkSync(join(metaDir, original))
  const random = lcg(21)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  // scores on a 0.01 grid: many ties, so the fraction rule's ties are exercised
  const score = (): number => Math.fround(Math.round((0.1 + 0.3 * random()) * 100) / 100)
  const texts: string[] = []
  for (let p = 0; p < PARTS; p++) {
    const rows = uids.slice(p * PER_PART, (p + 1) * PER_PART).map((uid) => {
      const [w, h] = pick(SIZES)
      return {uid, text: pick(CAPTIONS), original_width: w, original_height: h, clip_b32_similarity_score: score(), clip_l14_similarity_score: score()}
    })
    texts.push(...rows.map((r) => r.text))
    const stem = `${String(p).padStart(2, '0')}c0ffee`
    writeFileSync(join(metaDir, `${stem}.parquet`), Buffer.from(parquetWriteBuffer({
      columnData: [
        {name: 'uid', data: rows.map((r) => r.uid)},
        {name: 'text', data: rows.map((r) => r.text)},
        {name: 'original_width', data: rows.map((r) => BigInt(r.original_width))},
        {name: 'original_height', data: rows.map((r) => BigInt(r.original_height))},
        {name: 'clip_b32_similarity_score', data: Float32Array.from(rows.map((r) => r.clip_b32_similarity_score))},
        {name: 'clip_l14_similarity_score', data: Float32Array.from(rows.map((r) => r.clip_l14_similarity_score))},
      ],
      schema: [
        {name: 'schema', num_children: 6},
        {name: 'uid', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
        {name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
        {name: 'original_width', type: 'INT64', repetition_type: 'OPTIONAL'},
        {name: 'original_height', type: 'INT64', repetition_type: 'OPTIONAL'},
        {name: 'clip_b32_similarity_score', type: 'FLOAT', repetition_type: 'OPTIONAL'},
        {name: 'clip_l14_similarity_score', type: 'FLOAT', repetition_type: 'OPTIONAL'},
      ],
    })))
    const sidecar = Object.fromEntries(Object.keys(rows[0]!).map((k) => [k, rows.map((r) => r[k as keyof typeof r])]))
    writeFileSync(join(root, 'sidecar', `${stem}.json`), JSON.stringify(sidecar))
  }
  // features in the released layout, centroids and ImageNet targets in upstream's torch.save format and as .npy for dcbench
  await runPythonCode(`
import sys, numpy as np, torch
meta, root, parts, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(7)
unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)
centroids = unit(rng.standard_normal((12, 768))).astype(np.float32)
torch.save(centroids, f"{root}/upstream/tiny_centroids.pt"); np.save(f"{root}/centroids.npy", centroids)
targets = []
for i in range(5):
    t = torch.from_numpy(unit(centroids[rng.integers(0, 5, 8)] + 0.3 * rng.standard_normal((8, 768))).astype(np.float32))
    torch.save({"image_features": t}, f"{root}/upstream/in1k_{i}.pt"); targets.append(t.numpy())
np.save(f"{root}/targets.npy", np.concatenate(targets))
for p in range(parts):
    arrays = {k: unit(rng.standard_normal((per, d))).astype(np.float16) for k, d in (("b32_img", 512), ("b32_txt", 512), ("l14_txt", 768))}
    arrays["l14_img"] = unit(centroids[rng.integers(0, 12, per)] + 0.35 * rng.standard_normal((per, 768))).astype(np.float16)
    (np.savez if p == 0 else np.savez_compressed)(f"{meta}/{p:02d}c0ffee.npz", **arrays)
`, [metaDir, root, String(PARTS), String(PER_PART)])
  const cld3 = await loadCld3(0, 1000)
  const table = Object.fromEntries(texts.map((t) => t.replaceAll('\n', ' ')).map((t) => [t, cld3.language(t)]))
  cld3.dispose()
  const files: Record<string, string> = {fasttext: bundledLid176(), tiny_centroids: join(root, 'upstream/tiny_centroids.pt')}
  for (let i = 0; i < 5; i++) files[`in1k_clip_vit_l14_${i}`] = join(root, `upstream/in1k_${i}.pt`)
  const upstream = join(root, 'datacomp')
  mkdirSync(upstream)
  const {execa} = await import('execa')
  await execa('tar', ['-xzf', join(sharedDir(), 'vendor/reference/datacomp-baselines-4a8df19.tar.gz'), '-C', upstream, '--strip-components=1'])
  files.imagenet21k_wordnet_ids = join(repoRoot, 'filters/text-based/imagenet21k_wordnet_ids.txt')
  const wordnet = join(root, 'nltk_data/corpora/wordnet')
  mkdirSync(wordnet, {recursive: true})
  for (const name of readdirSync('/usr/share/wordnet')) symlinkSync(join('/usr/share/wordnet', name), join(wordnet, name))
  writeFileSync(join(wordnet, 'lexnames'), Array.from({length: 45}, (_, i) => `${String(i).padStart(2, '0')}\tlexname.${i}\t1\n`).join(''))
  const spec = {metadata: metaDir, sidecar: join(root, 'sidecar'), out: reference, files, cld3: table, runs: RUNS, nltk_data: join(root, 'nltk_data')}
  writeFileSync(join(root, 'spec.json'), JSON.stringify(spec))
  await runPython(join(repoRoot, 'test/fixtures/python/datacomp_baselines_reference.py'), [upstream, join(root, 'spec.json')])
}, 600_000)
afterAll(() => rmSync(root, {recursive: true, force: true}))

/** Each run: upstream's arguments, and the same run's `bench filter` flags. */
const RUNS: Record<string, {arch?: string; threshold?: number; fraction?: number}> = {
  basic: {},
  'text-based': {},
  'clip-score-l14-threshold': {arch: 'l14', threshold: 0.3},
  'clip-score-b32-fraction': {arch: 'b32', fraction: 0.37},
  'clip-score-l14-fraction': {arch: 'l14', fraction: 0.5},
  laion2b: {},
  'image-based': {},
  'image-based-clip-score-l14-fraction': {arch: 'l14', fraction: 0.5},
}

function benchArgs(name: string, out: string): string[] {
  const run = RUNS[name]!
  const filter = name.replace(/-(l14|b32)-.*$/, '')
  const args = ['filter', '--benchmark', 'datacomp', '--filter', filter, '--pool', pool, '--out', out, '--json']
  if (run.arch) args.push('--arch', run.arch)
  if (run.threshold !== undefined) args.push('--threshold', String(run.threshold))
  if (run.fraction !== undefined) args.push('--fraction', String(run.fraction))
  if (filter.startsWith('image-based')) args.push('--centroids', join(root, 'centroids.npy'), '--target-embeddings', join(root, 'targets.npy'))
  return args
}

describe("DataComp's official baselines match upstream's apply_filter.py", () => {
  for (const name of Object.keys(RUNS)) {
    it(`${name}: the same uids, byte for byte`, async () => {
      const out = join(root, `${name}.npy`)
      const {exitCode, json, stderr} = await runBenchJson<{kept: number; pool_records: number}>(benchArgs(name, out))
      expect(exitCode, stderr).toBe(0)
      const expected = readFileSync(join(reference, `${name}.npy`))
      expect(json.pool_records).toBe(PARTS * PER_PART)
      // a useful test keeps some samples and drops others
      expect(json.kept).toBeGreaterThan(0)
      expect(json.kept).toBeLessThan(PARTS * PER_PART)
      expect(readFileSync(out).equals(expected), `${name}: kept ${json.kept}, upstream ${(expected.length - 128) / 16}`).toBe(true)
    }, 120_000)
  }
})

describe("text-based's WordNet lookup equals nltk's word for word", () => {
  it('wordnet.synsets(word)[0].offset() on inflections, exceptions and non-words', async () => {
    const words = ['dogs', 'Dog', 'geese', 'women', 'better', 'best', 'running', 'ran', 'flies', 'boxes', 'churches', 'wolves', 'leaves', 'happier', 'quickly', 'mice',
      'dresses', 'buses', 'tabby,', 'photo', 'photos', 'IMG_1234', 'sunglasses', 'glasses', 'series', 'news', 'axes', 'analyses', 'cacti', 'went', 'seen', 'sitting',
      'beautiful', 'largest', 'draws', 'studies', 'xyzzy', 'ssssss', 'sessesses', 'New_York', 'e-mail', "children's", 'the', 'a', 'an', 'of', 'and', 'is', 'oxen', 'feet']
    const expected = JSON.parse(await runPythonCode(`
import json, sys, nltk
nltk.data.path.insert(0, sys.argv[1])
from nltk.corpus import wordnet
out = []
for w in json.loads(sys.argv[2]):
    s = wordnet.synsets(w)
    out.append(s[0].offset() if s else None)
print(json.dumps(out))`, [join(root, 'nltk_data'), JSON.stringify(words)])) as (number | null)[]
    const tables = loadTextBasedTables()
    expect(words.map((w) => firstSynsetOffset(tables, w) ?? null)).toEqual(expected)
  }, 120_000)
})

describe('bad inputs to the baselines: one line each, exit 2', () => {
  async function expectOneLine(args: string[], code: string, text: RegExp): Promise<void> {
    const result = await runBench(args.filter((a) => a !== '--json'))
    expect(result.exitCode, result.stderr).toBe(2)
    const lines = result.stderr.trim().split('\n').filter((l) => l.includes(code))
    expect(lines.length, result.stderr).toBeGreaterThanOrEqual(1)
    expect(result.stderr).toMatch(text)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  }

  it('a language-ID model that is not fastText', async () => {
    const notModel = join(root, 'not-a-model.bin')
    writeFileSync(notModel, 'hello, not a model\n')
    await expectOneLine([...benchArgs('basic', join(root, 'x.npy')), '--lid-model', notModel], 'DCB_MODEL_FILE', /not a fastText model/)
  })

  it('clip-score without --arch, or with both --threshold and --fraction', async () => {
    await expectOneLine(['filter', '--benchmark', 'datacomp', '--filter', 'clip-score', '--threshold', '0.3', '--pool', pool, '--out', join(root, 'x.npy')], 'DCB_FILTER_USAGE', /needs --arch/)
    await expectOneLine([...benchArgs('clip-score-l14-threshold', join(root, 'x.npy')), '--fraction', '0.3'], 'DCB_FILTER_USAGE', /one of --threshold or --fraction/)
  })

  it('a DataComp baseline on a DCLM pool', async () => {
    await expectOneLine(['filter', '--benchmark', 'dclm', '--filter', 'basic', '--pool', pool, '--out', join(root, 'x.npy')], 'DCB_FILTER_USAGE', /is a datacomp baseline/)
  })
})
