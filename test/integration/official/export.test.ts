import {createHash} from 'node:crypto'
import {chmodSync, cpSync, mkdtempSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import * as ort from 'onnxruntime-node'
import {beforeAll, describe, expect, it} from 'vitest'

import {hashModelFolder} from '../../../src/contracts/model-folder.js'
import {readExternalDataRefs} from '../../../src/contracts/onnx-external-data.js'
import {loadLmModel} from '../../../src/eval/lm/model.js'
import {scoreGroups} from '../../../src/eval/lm/score.js'
import {checkLmModel} from '../../../src/runner/model-checks.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {officialSmokeImage} from '../../helpers/official-images.js'
import {sharedDir} from '../../helpers/shared.js'

/**
 * `bench export` of checkpoints trained outside dcbench (issue 16 item 5): the checkpoints are made by
 * the upstream code itself inside the smoke images — open_clip 2.16.1's create_model and open_lm
 * 9bb92ef's create_model, saved as their trainers save them under DDP (`module.` prefixes) — then
 * exported to dcbench's model folder, where the harness runs every graph in onnxruntime against torch's
 * outputs on fixed inputs and records the difference.
 */

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')

/** Runs python code in an official image with `dir` mounted at /ck. */
async function inImage(image: string, dir: string, code: string): Promise<string> {
  const result = await execa('docker', ['run', '--rm', '--network', 'none', '-v', `${dir}:/ck`, '--entrypoint', 'python3', image, '-c', code], {reject: false, all: true})
  expect(result.exitCode, result.all).toBe(0)
  return result.stdout
}

interface Exported {
  files: string[]
  max_abs_diff: Record<string, number>
  tolerance: number
  kind: string
}

describe('bench export of checkpoints trained elsewhere', () => {
  let dir: string
  let clipImage: string
  let lmImage: string
  beforeAll(async () => {
    clipImage = await officialSmokeImage('clip')
    lmImage = await officialSmokeImage('lm')
    dir = mkdtempSync(join(tmpdir(), 'dcbench-export-'))
    chmodSync(dir, 0o777)
  }, 900_000)

  it('an open_clip 2.16.1 DDP checkpoint: two ONNX towers within 1e-4 of torch, marked external; a checkpoint of another architecture is refused', async () => {
    await inImage(clipImage, dir, [
      'import torch, open_clip',
      'torch.manual_seed(0)',
      "m = open_clip.create_model('dcbench-smoke-vit')",
      "torch.save({'epoch': 3, 'name': 'elsewhere', 'state_dict': {'module.' + k: v for k, v in m.state_dict().items()}}, '/ck/clip_epoch_3.pt')",
    ].join('\n'))
    const checkpoint = join(dir, 'clip_epoch_3.pt')
    const out = join(dir, 'clip-model')
    const result = await runBenchJson<Exported>(['export', '--benchmark', 'datacomp', '--scale', 'small', '--checkpoint', checkpoint, '--arch', 'dcbench-smoke-vit', '--out', out])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.kind).toBe('clip')
    expect(result.json.files).toEqual(expect.arrayContaining(['image_encoder.onnx', 'text_encoder.onnx', 'model.json', 'bpe_simple_vocab_16e6.txt.gz']))
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as Record<string, any>
    expect(model.provenance.source).toBe('external')
    expect(model.provenance.checkpoint_sha256).toBe(sha256(checkpoint))
    expect(model.provenance.exported_by.image).toBe(clipImage)
    expect(model.provenance.exported_by.pins.open_clip_torch.version).toBe('2.16.1')
    expect(model.smoke).toBeUndefined()
    expect(model.onnx_check.tolerance).toBe(1e-4)
    for (const graph of ['image_encoder.onnx', 'text_encoder.onnx']) {
      expect(model.onnx_check.max_abs_diff[graph], graph).toBeLessThanOrEqual(1e-4)
      expect(result.json.max_abs_diff[graph]).toBe(model.onnx_check.max_abs_diff[graph])
    }

    const wrong = await runBench(['export', '--benchmark', 'datacomp', '--checkpoint', checkpoint, '--arch', 'ViT-B-32', '--out', join(dir, 'wrong')])
    expect(wrong.exitCode, wrong.stderr).toBe(2)
    expect(wrong.stderr).toMatch(/^error \[DCB_EXPORT_INPUT\]: .*clip_epoch_3\.pt: the checkpoint does not fit the architecture/m)
  }, 900_000)

  it('an open_lm 9bb92ef DDP checkpoint: the logits and with-past graphs over one shared external-data file, within 1e-4 of torch, its sequence axis valid below the full context', async () => {
    const config = {hidden_dim: 32, n_layers: 2, n_heads: 2, seq_len: 16, vocab_size: 50432, post_embed_norm: false, weight_tying: false, ffn_type: 'swiglu', positional_embedding_type: 'rotary'}
    writeFileSync(join(dir, 'lm_cfg.json'), JSON.stringify(config))
    await inImage(lmImage, dir, [
      'import torch',
      'from open_lm.params import parse_args',
      'from open_lm.model import create_model',
      'torch.manual_seed(0)',
      "args = parse_args(['--model', '/ck/lm_cfg.json', '--model-norm', 'gain_only_lp_layer_norm', '--qk-norm', '--dataset-manifest', 'x', '--train-num-samples', '1'])",
      'm = create_model(args)',
      "torch.save({'epoch': 2, 'step': 10, 'samples_seen': 0, 'state_dict': {'module.' + k: v for k, v in m.state_dict().items()}}, '/ck/lm_epoch_2.pt')",
    ].join('\n'))
    const checkpoint = join(dir, 'lm_epoch_2.pt')
    const out = join(dir, 'lm-model')
    const tokenizer = join(sharedDir(), 'data', 'tokenizers', 'gpt-neox-20b', 'tokenizer.json')
    // a lowered threshold exercises the path of models over 2 GB: the two graphs share one weights.bin
    const result = await runBenchJson<Exported>(['export', '--benchmark', 'dclm', '--scale', '400m-1x', '--checkpoint', checkpoint, '--arch', join(dir, 'lm_cfg.json'), '--tokenizer', tokenizer, '--out', out, '--external-data-bytes', '1000000'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.files).toEqual(['model.json', 'model.onnx', 'model_with_past.onnx', 'reference.json', 'tokenizer.json', 'weights.bin'])
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as Record<string, any>
    expect(model).toMatchObject({kind: 'lm', vocab_size: 50432, seq_len: 16, eot_token_id: 0, onnx_external_data: {'model.onnx': 'weights.bin', 'model_with_past.onnx': 'weights.bin'}})
    // torch vs onnxruntime on both graphs (the with-past graph: a 5-token past, 3 new tokens, 4 positions asked)
    expect(model.onnx_check.max_abs_diff['model.onnx']).toBeLessThanOrEqual(1e-4)
    expect(model.onnx_check.max_abs_diff['model_with_past.onnx']).toBeLessThanOrEqual(1e-4)

    // shared-prefix scoring on the exported with-past graph: the plain path's predictions, losses within 1e-4
    const plain = await loadLmModel(out, {withPast: false, threads: 1})
    const past = await loadLmModel(out, {threads: 1})
    expect(past.withPast?.positions).toBe(true)
    const choices = [[101, 7, 2000, 33, 9], [101, 7, 2000, 5, 6, 40000, 12], [101, 7, 2000, 33, 44]].map((tokens) => ({tokens, contStart: 3}))
    const groups = [choices, [{tokens: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12, 13, 14, 15, 16], contStart: 10}]]
    const [a, b] = [await scoreGroups(plain, groups), await scoreGroups(past, groups)]
    expect(b.flat().map((s) => s.predictions)).toEqual(a.flat().map((s) => s.predictions))
    b.flat().forEach((s, i) => s.losses.forEach((l, j) => expect(Math.abs(l - a.flat()[i]!.losses[j]!)).toBeLessThanOrEqual(1e-4)))
    await plain.release()
    await past.release()
    expect(readFileSync(join(out, 'tokenizer.json'))).toEqual(readFileSync(tokenizer))

    // the graph runs at every length up to seq_len, and is causal: a prefix's logits are the full run's first positions
    const session = await ort.InferenceSession.create(join(out, 'model.onnx'))
    const ids = Array.from({length: 16}, (_, i) => BigInt((i * 7919) % 50000))
    const run = async (n: number): Promise<Float32Array> => {
      const output = await session.run({input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.slice(0, n)), [1, n])})
      return output.logits!.data as Float32Array
    }
    const full = await run(16)
    for (const n of [1, 5, 15]) {
      const prefix = await run(n)
      expect(prefix.length).toBe(n * 50432)
      let worst = 0
      for (let i = 0; i < prefix.length; i++) worst = Math.max(worst, Math.abs(prefix[i]! - full[i]!))
      expect(worst, `length ${n}`).toBeLessThanOrEqual(1e-5)
    }
    await session.release()
  }, 900_000)

  it('the LM’s shared weights.bin holds each weight once (one graph’s size, not two); both graphs score bit for bit as a single-file export; the checks cover the file once and refuse a graph reading outside the folder', async () => {
    // after the test above: its checkpoint, and its export with --external-data-bytes 1000000
    const checkpoint = join(dir, 'lm_epoch_2.pt')
    const shared = join(dir, 'lm-model')
    const single = join(dir, 'lm-single')
    const tokenizer = join(sharedDir(), 'data', 'tokenizers', 'gpt-neox-20b', 'tokenizer.json')
    const result = await runBenchJson<Exported>(['export', '--benchmark', 'dclm', '--scale', '400m-1x', '--checkpoint', checkpoint, '--arch', join(dir, 'lm_cfg.json'), '--tokenizer', tokenizer, '--out', single])
    expect(result.exitCode, result.stderr).toBe(0)
    // under the default threshold (2 GB) each graph is one self-contained file
    expect(result.json.files).toEqual(['model.json', 'model.onnx', 'model_with_past.onnx', 'reference.json', 'tokenizer.json'])
    expect(JSON.parse(readFileSync(join(single, 'model.json'), 'utf8')).onnx_external_data).toBeUndefined()

    // sizes: the single-file graphs each carry every weight (~13 MB); weights.bin is one graph's weights
    // (plus at most 4 KiB of alignment per tensor), and the shared graphs are structure only
    const size = (folder: string, file: string): number => statSync(join(folder, file)).size
    const oneGraph = size(single, 'model.onnx')
    expect(size(single, 'model_with_past.onnx')).toBeGreaterThan(0.99 * oneGraph)
    expect(size(shared, 'weights.bin')).toBeGreaterThan(0.98 * oneGraph)
    expect(size(shared, 'weights.bin')).toBeLessThan(oneGraph + 64 * 1024)
    expect(size(shared, 'model.onnx') + size(shared, 'model_with_past.onnx')).toBeLessThan(0.02 * oneGraph)
    // every tensor of the with-past graph points at bytes the logits graph points at too
    const plainRefs = readExternalDataRefs(join(shared, 'model.onnx'))
    const pastRefs = readExternalDataRefs(join(shared, 'model_with_past.onnx'))
    expect(plainRefs.length).toBeGreaterThan(2)
    expect(new Set([...plainRefs, ...pastRefs].map((r) => r.location))).toEqual(new Set(['weights.bin']))
    const ranges = new Set(plainRefs.map((r) => `${r.offset}+${r.length}`))
    for (const r of pastRefs) expect(ranges.has(`${r.offset}+${r.length}`), r.tensor).toBe(true)

    // the same model as the single-file export: identical scores (bit for bit) on both paths
    const choices = [[101, 7, 2000, 33, 9], [101, 7, 2000, 5, 6, 40000, 12], [101, 7, 2000, 33, 44]].map((tokens) => ({tokens, contStart: 3}))
    const groups = [choices, [{tokens: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12, 13, 14, 15, 16], contStart: 10}]]
    for (const withPast of [false, true]) {
      const scores = []
      for (const folder of [shared, single]) {
        const lm = await loadLmModel(folder, {withPast, threads: 1})
        scores.push(await scoreGroups(lm, groups))
        await lm.release()
      }
      expect(scores[0], `withPast ${withPast}`).toEqual(scores[1])
    }

    // the model checks pass and list weights.bin once; the model hash covers it once
    const problems: string[] = []
    const checked = await checkLmModel(shared, problems)
    expect(problems).toEqual([])
    expect(checked?.files.filter((f) => f === 'weights.bin')).toEqual(['weights.bin'])
    expect(Object.keys((await hashModelFolder(shared)).files).sort()).toEqual(['model.json', 'model.onnx', 'model_with_past.onnx', 'reference.json', 'tokenizer.json', 'weights.bin'])

    // hostile: weights.bin as a link to a copy outside the folder — refused before onnxruntime opens a graph
    const hostile = join(dir, 'lm-hostile')
    cpSync(shared, hostile, {recursive: true})
    renameSync(join(hostile, 'weights.bin'), join(dir, 'outside.bin'))
    symlinkSync(join(dir, 'outside.bin'), join(hostile, 'weights.bin'))
    await expect(loadLmModel(hostile, {threads: 1})).rejects.toThrow(expect.objectContaining({code: 'DCB_MODEL_DIR', message: expect.stringMatching(/model\.onnx: initializer '.*' reads external data from "weights\.bin": .*weights\.bin is a symbolic link/)}))
    const refused: string[] = []
    await checkLmModel(hostile, refused)
    expect(refused[0]).toMatch(/weights\.bin is a symbolic link/)
  }, 900_000)
})
