import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {formatResultLine, loadSuite} from '../../src/eval/datacomp/index.js'
import {getRecipe} from '../../src/tracks/index.js'
import {hex} from './leaderboard.js'

/**
 * A run folder as `bench train` and `bench eval` leave it (writeBoundRunFixture), made by code for
 * tests that do not train.
 */
export function writeDataCompRunFixture(dir: string, options: {seed?: number; scale?: string; track?: string} = {}): {run: string; evalFile: string; poolIndex: string} {
  const {run, evalFile, poolIndex} = writeBoundRunFixture(dir, options)
  return {run, evalFile, poolIndex}
}

/**
 * A version-1 run.json with the fields the leaderboard reads (docs/contracts.md), and a DataComp
 * eval_results.jsonl in evaluate.py's exact line format (spec §4.5). Scores are deterministic in `seed`.
 */
function writeRunFolder(dir: string, options: {seed?: number; scale?: string; track?: string} = {}): {run: string; evalFile: string; poolIndex: string} {
  const seed = options.seed ?? 1
  const scale = options.scale ?? 'small'
  const track = options.track ?? 'filtering'
  const run = join(dir, `run-${seed}`)
  mkdirSync(join(run, 'eval'), {recursive: true})
  const poolIndex = join(dir, 'pool.uidx')
  writeFileSync(poolIndex, `fake uid index for ${scale}\n`)
  const recipe = getRecipe({benchmark: 'datacomp', scale, track})
  writeFileSync(
    join(run, 'run.json'),
    `${JSON.stringify(
      {
        format: 'dcbench.run/1',
        benchmark: 'datacomp',
        scale,
        track,
        recipe_hash: recipe.hash,
        subset_fingerprint: hex(`subset ${seed}`),
        subset_size: 1_000_000 + seed,
        pool_index_sha256: null,
        data_dir: '/data',
        executor: 'docker',
        image_digest: `sha256:${hex('image')}`,
        image: 'dcbench/clip-train:2.16.1',
        command: [],
        infra: {gpus_per_node: 8, nodes: 1, per_device_batch_size: 512, grad_accum: 1, global_batch_size: 4096},
        threads: 64,
        gpus: 8,
        memory_bytes: null,
        max_steps: null,
        started_at: '2025-05-01T10:00:00.000Z',
        finished_at: '2025-05-01T14:00:00.000Z',
        exit_status: 'complete',
        attempts: [],
        steps: null,
        steps_total: null,
        final_loss: null,
        validation: null,
        harness_version: '0.1.0',
      },
      null,
      2,
    )}\n`,
  )
  const suite = loadSuite('datacomp-38')
  const lines = suite.tasks.map((task, i) => {
    const main = task.scored ? 0.1 + (((seed * 31 + i * 17) % 80) / 100) * 0.987654321 : null
    return formatResultLine({key: task.key, dataset: task.name, metrics: task.scored ? {[task.main_metric]: main, main_metric: main} : {main_metric: null}})
  })
  const evalFile = join(run, 'eval/eval_results.jsonl')
  writeFileSync(evalFile, lines.join(''))
  return {run, evalFile, poolIndex}
}

export interface BoundRunOptions {
  seed?: number
  scale?: string
  track?: string
  /** What run.json says the model files hash to: `true` (the truth), `false` (no model block: a hand-written run.json), or another folder's hashes. */
  model?: boolean | Record<string, string>
  /** The model hash the eval output records (default: the run's own model). */
  evalModelSha256?: string
}

/**
 * A run folder as `bench train` (run.json v2) and `bench eval` leave it: model files, run.json naming
 * their sha256, an eval_results.jsonl and the eval_info.json that records which model was evaluated.
 * The model hash is computed here by the documented rule (docs/contracts.md), independently of src/:
 * sha256 of the canonical JSON of {relative path: sha256 of the file}.
 */
export function writeBoundRunFixture(dir: string, options: BoundRunOptions = {}): {run: string; evalFile: string; poolIndex: string; modelSha256: string} {
  const seed = options.seed ?? 1
  const {run, evalFile, poolIndex} = writeRunFolder(dir, {seed, scale: options.scale, track: options.track})
  const modelDir = join(run, 'model')
  mkdirSync(modelDir, {recursive: true})
  const contents: Record<string, string> = {
    'model.json': JSON.stringify({kind: 'clip', model: `fixture-${seed}`}),
    'image_encoder.onnx': `image tower of model ${seed}`,
    'text_encoder.onnx': `text tower of model ${seed}`,
  }
  const files: Record<string, string> = {}
  for (const [name, text] of Object.entries(contents)) {
    writeFileSync(join(modelDir, name), text)
    files[name] = createHash('sha256').update(text).digest('hex')
  }
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)))
  const modelSha256 = createHash('sha256').update(JSON.stringify(sorted)).digest('hex')
  const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as Record<string, unknown>
  if (options.model !== false) {
    const claimed = options.model === true || options.model === undefined ? sorted : options.model
    const claimedSha = createHash('sha256').update(JSON.stringify(Object.fromEntries(Object.entries(claimed).sort(([a], [b]) => (a < b ? -1 : 1))))).digest('hex')
    Object.assign(manifest, {format: 'dcbench.run/2', model: {sha256: claimedSha, files: claimed}})
  }
  writeFileSync(join(run, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const suite = loadSuite('datacomp-38')
  writeFileSync(join(run, 'eval', 'eval_info.json'), `${JSON.stringify({model_hash: options.evalModelSha256 ?? modelSha256, suite: suite.suite, suite_version: suite.version})}\n`)
  return {run, evalFile, poolIndex, modelSha256}
}

export interface ExternalModelOptions {
  seed?: number
  /** model.json's provenance.source (default 'external'); null leaves provenance out. */
  source?: 'external' | 'dcbench-run' | null
  /** Mark the model a smoke run's. */
  smoke?: boolean
}

/**
 * A model folder as `bench export` writes it from a checkpoint trained elsewhere (a CLIP model.json
 * with `provenance.source: external`, the checkpoint's sha256 and the exporting image's digest) and
 * the eval output `bench eval` leaves beside it naming that model. The graphs are stand-in bytes: the
 * leaderboard only hashes them. The model hash follows the documented rule, independently of src/.
 */
export function writeExternalModelFixture(dir: string, options: ExternalModelOptions = {}): {model: string; evalFile: string; modelSha256: string; checkpointSha256: string; imageDigest: string} {
  const seed = options.seed ?? 1
  const {evalFile: runEval} = writeRunFolder(join(dir, 'scores'), {seed})
  const model = join(dir, `exported-${seed}`)
  mkdirSync(model, {recursive: true})
  const checkpointSha256 = hex(`checkpoint ${seed}`)
  const imageDigest = `sha256:${hex('official clip image')}`
  const modelJson = {
    kind: 'clip', model: 'ViT-B-32', benchmark: 'datacomp', scale: 'small', embed_dim: 512, image_size: 224, context_length: 77, vocab_size: 49408,
    onnx: {image: 'image_encoder.onnx', text: 'text_encoder.onnx'},
    tokenizer: {type: 'clip-bpe', file: 'bpe_simple_vocab_16e6.txt.gz'},
    preprocess: {resize: 'shortest-side', interpolation: 'bicubic', crop: 'center', image_size: 224, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711]},
    ...(options.source === null ? {} : {provenance: {source: options.source ?? 'external', checkpoint: 'epoch_8.pt', checkpoint_sha256: checkpointSha256, exported_by: {harness_version: '0.1.0', image: 'dcbench/official-clip-smoke', image_digest: imageDigest}}}),
    ...(options.smoke ? {smoke: true} : {}),
  }
  const contents: Record<string, string> = {
    'model.json': `${JSON.stringify(modelJson, null, 2)}\n`,
    'image_encoder.onnx': `exported image tower ${seed}`,
    'text_encoder.onnx': `exported text tower ${seed}`,
    'bpe_simple_vocab_16e6.txt.gz': 'bpe',
  }
  const files: Record<string, string> = {}
  for (const [name, text] of Object.entries(contents)) {
    writeFileSync(join(model, name), text)
    files[name] = createHash('sha256').update(text).digest('hex')
  }
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)))
  const modelSha256 = createHash('sha256').update(JSON.stringify(sorted)).digest('hex')
  const evalDir = join(dir, `eval-${seed}`)
  mkdirSync(evalDir, {recursive: true})
  const evalFile = join(evalDir, 'eval_results.jsonl')
  writeFileSync(evalFile, readFileSync(runEval))
  const suite = loadSuite('datacomp-38')
  writeFileSync(join(evalDir, 'eval_info.json'), `${JSON.stringify({model_hash: modelSha256, suite: suite.suite, suite_version: suite.version})}\n`)
  return {model, evalFile, modelSha256, checkpointSha256, imageDigest}
}
