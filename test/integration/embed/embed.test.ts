import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, cpSync, unlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {asyncBufferFromFile, parquetReadObjects} from 'hyparquet'
import {parquetWriteBuffer} from 'hyparquet-writer'
import * as ort from 'onnxruntime-node'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {synthesizeDataComp} from '../../../src/benchmarks/datacomp/synth-pool.js'
import {iterateDataCompSamples} from '../../../src/benchmarks/datacomp/pool-shards.js'
import {iterateDclmDocuments} from '../../../src/benchmarks/dclm/documents.js'
import {synthesizeDclm} from '../../../src/benchmarks/dclm/synth-pool.js'
import {ClipTokenizer} from '../../../src/eval/clip/tokenizer.js'
import {OPENAI_MEAN, OPENAI_STD, preprocessImage} from '../../../src/eval/clip/preprocess.js'
import {openNpz} from '../../../src/pool/npz.js'
import {loadTokenizer, shippedTokenizerFile, TINY_WORLD_TOKENIZER} from '../../../src/tokenizers/index.js'
import {runBenchJson} from '../../helpers/cli.js'
import {makeFixtureModel} from '../../helpers/eval-fixtures.js'
import {runPythonCode} from '../../helpers/python-code.js'

/**
 * `bench embed` on real tiny pools of both benchmarks with tiny ONNX towers made here (the CLIP eval's
 * fixture model; a token-state text model exported by torch): the rows equal the same tower run
 * through onnxruntime directly on the same inputs, one image or text at a time (so batching changes
 * nothing), mean-pooled by the reference below; a rerun after an interrupted one keeps the finished
 * part; `bench filter --filter semdedup` reads the results; bad inputs are one line each.
 */

let root: string
let clip: string
let textModel: string
let dcPool: string
let dclmPool: string
/** The two metadata parts of the DataComp pool, and the uids of each (part b ends with a uid no shard has). */
const PARTS = ['part-a', 'part-b'] as const
const uids: Record<string, string[]> = {}
const LOST_UID = 'f'.repeat(32)

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-embed-'))
  clip = await makeFixtureModel(join(root, 'clip'), 1, 32)
  textModel = join(root, 'text-model.onnx')
  // a text-embedding model that returns token states [N, L, 16]; padding tokens are zeroed by the mask
  await runPythonCode(`
import sys, torch
torch.manual_seed(5)
class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(1536, 16)
        self.lin = torch.nn.Linear(16, 16)
    def forward(self, input_ids, attention_mask):
        return torch.tanh(self.lin(self.emb(input_ids))) * attention_mask.unsqueeze(-1).float()
ids = torch.zeros(2, 24, dtype=torch.long)
torch.onnx.export(M(), (ids, torch.ones(2, 24, dtype=torch.long)), sys.argv[1], input_names=['input_ids', 'attention_mask'], output_names=['last_hidden_state'],
                  dynamic_axes={'input_ids': {0: 'n', 1: 'l'}, 'attention_mask': {0: 'n', 1: 'l'}, 'last_hidden_state': {0: 'n', 1: 'l'}}, opset_version=14)
torch.onnx.export(torch.nn.Linear(10, 4), (torch.zeros(2, 10),), sys.argv[2], input_names=['x'], output_names=['y'], dynamic_axes={'x': {0: 'n'}}, opset_version=14)
`, [textModel, join(root, 'not-a-tower.onnx')])

  dcPool = join(root, 'dc-pool')
  mkdirSync(dcPool)
  await synthesizeDataComp({dir: dcPool, count: 90, seed: 4, scale: 'tiny'})
  // two metadata parquets (two parts, so a rerun can keep one), and no embeddings of the pool's own
  const metadata = join(dcPool, 'metadata')
  const parquet = join(metadata, readdirSync(metadata).find((f) => f.endsWith('.parquet'))!)
  const rows = (await parquetReadObjects({file: await asyncBufferFromFile(parquet), columns: ['uid', 'text']})) as {uid: string; text: string}[]
  const halves = {[PARTS[0]]: rows.slice(0, 50), [PARTS[1]]: [...rows.slice(50), {uid: LOST_UID, text: 'a lost download'}]}
  for (const [stem, part] of Object.entries(halves)) {
    uids[stem] = part.map((r) => r.uid)
    const buffer = parquetWriteBuffer({columnData: [{name: 'uid', data: part.map((r) => r.uid)}, {name: 'text', data: part.map((r) => r.text)}]})
    writeFileSync(join(metadata, `${stem}.parquet`), new Uint8Array(buffer))
  }
  unlinkSync(parquet)
  unlinkSync(parquet.replace(/\.parquet$/, '.npz'))

  dclmPool = join(root, 'dclm-pool')
  mkdirSync(dclmPool)
  await synthesizeDclm({dir: dclmPool, targetWords: 3_000, seed: 2})
}, 300_000)
afterAll(() => rmSync(root, {recursive: true, force: true}))

async function readArray(file: string, name: string): Promise<{rows: number; dim: number; data: Float32Array}> {
  const npz = await openNpz(file)
  try {
    const {rows, dim} = await npz.matrix(name)
    const data = new Float32Array(rows * dim)
    let at = 0
    for await (const batch of npz.batches(name, 64)) {
      data.set(batch, at)
      at += batch.length
    }
    return {rows, dim, data}
  } finally {
    npz.close()
  }
}

/** Normalised float64 rows of one input through a session (the reference: one input per call). */
async function reference(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, pool?: BigInt64Array): Promise<number[]> {
  const out = (await session.run(feeds))[session.outputNames[0]!]!
  const data = out.data as Float32Array
  let v: number[]
  if (out.dims.length === 2) v = [...data]
  else {
    const [, length, dim] = out.dims as number[]
    v = Array.from({length: dim!}, (_, j) => {
      let sum = 0
      let count = 0
      for (let t = 0; t < length!; t++) {
        if (pool![t] !== 1n) continue
        sum += data[t * dim! + j]!
        count++
      }
      return sum / count
    })
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0))
  return v.map((x) => x / norm)
}

/** Largest |a − b| over the rows; float16 storage rounds each value by at most 2^-11 relative. */
function maxDiff(stored: Float32Array, expected: number[][], dim: number): number {
  let worst = 0
  expected.forEach((row, i) => row.forEach((x, j) => (worst = Math.max(worst, Math.abs(stored[i * dim + j]! - x)))))
  return worst
}

function embed(args: string[]): ReturnType<typeof runBenchJson<Record<string, unknown>>> {
  return runBenchJson<Record<string, unknown>>(['embed', ...args, '--json'])
}

describe('bench embed on a DataComp pool', () => {
  it('image tower: each parquet row is its image through the tower, L2-normalised float16; a lost image is a zero row', async () => {
    const out = join(root, 'dc-img')
    const {exitCode, json, stderr} = await embed(['--benchmark', 'datacomp', '--pool', dcPool, '--model', join(clip, 'image_encoder.onnx'), '--name', 'b32_img', '--out', out, '--batch-size', '7'])
    expect(exitCode, stderr).toBe(0)
    expect(json).toMatchObject({input: 'image', parts: 2, written: 2, kept: 0, rows: 91, missing: 1, dim: 32})
    const images = new Map<string, Uint8Array>()
    for await (const sample of iterateDataCompSamples(dcPool)) images.set(sample.uid.padStart(32, '0'), sample.members.jpg ?? sample.members.png!)
    const session = await ort.InferenceSession.create(join(clip, 'image_encoder.onnx'))
    for (const stem of PARTS) {
      const stored = await readArray(join(out, `${stem}.npz`), 'b32_img')
      expect(stored.rows).toBe(uids[stem]!.length)
      const expected: number[][] = []
      for (const uid of uids[stem]!) {
        const bytes = images.get(uid)
        if (!bytes) {
          expected.push(Array.from({length: 32}, () => 0))
          continue
        }
        const pixels = await preprocessImage(bytes, {imageSize: 32, mean: OPENAI_MEAN, std: OPENAI_STD})
        expected.push(await reference(session, {[session.inputNames[0]!]: new ort.Tensor('float32', pixels, [1, 3, 32, 32])}))
      }
      expect(maxDiff(stored.data, expected, 32)).toBeLessThan(2 ** -10)
    }
    await session.release()
    expect((await readArray(join(out, 'part-b.npz'), 'b32_img')).data.slice(-32).every((x) => x === 0)).toBe(true)
  }, 120_000)

  it('text tower: each row is the caption through open_clip tokenize and the tower', async () => {
    const out = join(root, 'dc-txt')
    const {exitCode, json, stderr} = await embed(['--benchmark', 'datacomp', '--pool', dcPool, '--model', join(clip, 'text_encoder.onnx'), '--name', 'b32_txt', '--out', out])
    expect(exitCode, stderr).toBe(0)
    expect(json).toMatchObject({input: 'text', written: 2, rows: 91, missing: 0})
    const session = await ort.InferenceSession.create(join(clip, 'text_encoder.onnx'))
    const tokenizer = new ClipTokenizer()
    const texts = (await parquetReadObjects({file: await asyncBufferFromFile(join(dcPool, 'metadata', 'part-a.parquet')), columns: ['text']})) as {text: string}[]
    const expected: number[][] = []
    for (const {text} of texts) expected.push(await reference(session, {[session.inputNames[0]!]: new ort.Tensor('int64', tokenizer.tokenize([text]), [1, 77])}))
    await session.release()
    expect(maxDiff((await readArray(join(out, 'part-a.npz'), 'b32_txt')).data, expected, 32)).toBeLessThan(2 ** -10)
  }, 120_000)

  it('a rerun after an interrupted run keeps the finished part and writes the same rows for the other', async () => {
    const out = join(root, 'dc-img')
    const before = {a: statSync(join(out, 'part-a.npz')), b: readFileSync(join(out, 'part-b.npz'))}
    // what a run killed while filling part b leaves: part a finished and recorded, part b's scratch half written
    const manifest = JSON.parse(readFileSync(join(out, 'embed.json'), 'utf8'))
    delete manifest.parts['part-b']
    writeFileSync(join(out, 'embed.json'), JSON.stringify(manifest))
    unlinkSync(join(out, 'part-b.npz'))
    writeFileSync(join(out, '.part-b.rows.scratch'), Buffer.alloc(1000, 0x55))
    const {exitCode, json, stderr} = await embed(['--benchmark', 'datacomp', '--pool', dcPool, '--model', join(clip, 'image_encoder.onnx'), '--name', 'b32_img', '--out', out])
    expect(exitCode, stderr).toBe(0)
    expect(json).toMatchObject({written: 1, kept: 1, rows: 41, missing: 1})
    const after = statSync(join(out, 'part-a.npz'))
    expect([after.ino, after.mtimeMs]).toEqual([before.a.ino, before.a.mtimeMs])
    expect(readFileSync(join(out, 'part-b.npz')).equals(before.b)).toBe(true)
    expect(readdirSync(out).sort()).toEqual(['embed.json', 'part-a.npz', 'part-b.npz'])
  }, 120_000)

  it('bench filter --filter semdedup reads the folder', async () => {
    const {exitCode, json, stderr} = await runBenchJson<{kept: number; pool_records: number}>([
      'filter', '--benchmark', 'datacomp', '--filter', 'semdedup', '--embedding', 'b32_img', '--embeddings-dir', join(root, 'dc-img'), '--clusters', '3', '--eps', '0.001',
      '--pool', dcPool, '--out', join(root, 'dc-semdedup.npy'), '--json',
    ])
    expect(exitCode, stderr).toBe(0)
    expect(json.pool_records).toBe(90)
    expect(json.kept).toBeGreaterThan(0)
  }, 120_000)
})

describe('bench embed on a DCLM pool', () => {
  it('text-embedding tower: one row per document in file order, mean-pooled over the tokens, truncated to --max-tokens', async () => {
    const out = join(root, 'dclm-txt')
    const tokenizerFile = shippedTokenizerFile(TINY_WORLD_TOKENIZER)!
    const {exitCode, json, stderr} = await embed(['--benchmark', 'dclm', '--pool', dclmPool, '--model', textModel, '--tokenizer', tokenizerFile, '--max-tokens', '24', '--name', 'text', '--out', out, '--batch-size', '5'])
    expect(exitCode, stderr).toBe(0)
    const docs: string[] = []
    for await (const doc of iterateDclmDocuments(dclmPool)) docs.push(doc.text)
    expect(json).toMatchObject({input: 'text', rows: docs.length, missing: 0, dim: 16})
    const session = await ort.InferenceSession.create(textModel)
    const tokenizer = loadTokenizer(tokenizerFile)
    const expected: number[][] = []
    for (const text of docs) {
      const ids = tokenizer.encode(text, {addSpecialTokens: true}).slice(0, 24)
      const row = new BigInt64Array(24)
      const mask = new BigInt64Array(24)
      ids.forEach((id, t) => ((row[t] = BigInt(id)), (mask[t] = 1n)))
      expected.push(await reference(session, {input_ids: new ort.Tensor('int64', row, [1, 24]), attention_mask: new ort.Tensor('int64', mask, [1, 24])}, mask))
    }
    await session.release()
    const [file] = readdirSync(out).filter((f) => f.endsWith('.npz'))
    expect(maxDiff((await readArray(join(out, file!), 'text')).data, expected, 16)).toBeLessThan(2 ** -10)
  }, 120_000)

  it('bench filter --filter semdedup reads the DCLM embeddings', async () => {
    const {exitCode, json, stderr} = await runBenchJson<{kept: number}>([
      'filter', '--benchmark', 'dclm', '--filter', 'semdedup', '--embedding', 'text', '--embeddings-dir', join(root, 'dclm-txt'), '--clusters', '3', '--eps', '0.001',
      '--pool', dclmPool, '--out', join(root, 'dclm-semdedup.npy'), '--json',
    ])
    expect(exitCode, stderr).toBe(0)
    expect(json.kept).toBeGreaterThan(0)
  }, 120_000)

  it('a DCLM embedding file whose rows do not line up with its documents is one DCB_EMBEDDINGS line', async () => {
    const dir = join(root, 'dclm-short')
    mkdirSync(dir)
    const [file] = readdirSync(join(root, 'dclm-txt')).filter((f) => f.endsWith('.npz'))
    await runPythonCode(`
import sys, numpy as np
a = np.load(sys.argv[1])['text']
np.savez(sys.argv[2], text=a[:-1])
`, [join(root, 'dclm-txt', file!), join(dir, file!)])
    const {exitCode, json} = await runBenchJson<{error: {code: string; message: string}}>([
      'filter', '--benchmark', 'dclm', '--filter', 'semdedup', '--embedding', 'text', '--embeddings-dir', dir, '--eps', '0.01', '--clusters', '2', '--pool', dclmPool, '--out', join(root, 'x.npy'), '--json',
    ])
    expect(exitCode).toBe(2)
    expect(json.error.code).toBe('DCB_EMBEDDINGS')
    expect(json.error.message).toMatch(/array 'text' has \d+ rows but .* has \d+ documents; the ids do not line up/)
    expect(json.error.message).not.toContain('\n')
  }, 120_000)
})

describe('bad inputs: one line each', () => {
  async function refused(args: string[], code: string, pattern: RegExp): Promise<void> {
    const {exitCode, json} = await runBenchJson<{error: {code: string; message: string}}>(['embed', ...args, '--json'])
    expect(exitCode).toBe(2)
    expect(json.error.code).toBe(code)
    expect(json.error.message).toMatch(pattern)
    expect(json.error.message).not.toContain('\n')
  }

  it('a model whose input is neither image nor text shaped', async () => {
    await refused(['--benchmark', 'datacomp', '--pool', dcPool, '--model', join(root, 'not-a-tower.onnx'), '--name', 'x', '--out', join(root, 'bad-model')], 'DCB_EMBED_MODEL', /inputs 'x' float32 \[n, 10\] are neither an image batch/)
  })

  it('a pool without images, for an image tower', async () => {
    const metadataOnly = join(root, 'metadata-only')
    cpSync(join(dcPool, 'metadata'), join(metadataOnly, 'metadata'), {recursive: true})
    await refused(['--benchmark', 'datacomp', '--pool', metadataOnly, '--model', join(clip, 'image_encoder.onnx'), '--name', 'b32_img', '--out', join(root, 'no-images')], 'DCB_EMBED_INPUT', /no images/)
    await refused(['--benchmark', 'dclm', '--pool', dclmPool, '--model', join(clip, 'image_encoder.onnx'), '--name', 'img', '--out', join(root, 'no-images-dclm')], 'DCB_EMBED_INPUT', /no images/)
  })

  it("an output folder holding another pool's files", async () => {
    await refused(['--benchmark', 'dclm', '--pool', dclmPool, '--model', textModel, '--name', 'b32_img', '--out', join(root, 'dc-img')], 'DCB_EMBED_OUT', /holds embeddings with benchmark "datacomp"/)
    const other = join(root, 'other-pool')
    mkdirSync(join(other, 'metadata'), {recursive: true})
    cpSync(join(dcPool, 'metadata', 'part-a.parquet'), join(other, 'metadata', 'part-a.parquet'))
    await refused(['--benchmark', 'datacomp', '--pool', other, '--model', join(clip, 'text_encoder.onnx'), '--name', 'b32_txt', '--out', join(root, 'dc-txt')], 'DCB_EMBED_OUT', /another pool's embeddings/)
    const stray = join(root, 'stray')
    mkdirSync(stray)
    writeFileSync(join(stray, 'x.npz'), 'not ours')
    await refused(['--benchmark', 'datacomp', '--pool', dcPool, '--model', join(clip, 'text_encoder.onnx'), '--name', 'b32_txt', '--out', stray], 'DCB_EMBED_OUT', /no embed\.json/)
  })
})
