import {existsSync, lstatSync, readdirSync, realpathSync} from 'node:fs'
import {mkdir, mkdtemp, rename, rm, writeFile} from 'node:fs/promises'
import {availableParallelism, totalmem} from 'node:os'
import {basename, dirname, join, resolve} from 'node:path'

import {getBenchmark} from '../../benchmarks/registry.js'
import {recordOnnxCheck} from '../../contracts/model-json.js'
import type {RunPins} from '../../contracts/run-manifest.js'
import {DcbError, isDcbError} from '../../errors.js'
import {getRecipe} from '../../tracks/registry.js'
import {checkTreeInside, UnsafePathError} from '../../util/no-follow.js'
import {harnessVersion} from '../../util/paths.js'
import {localImageId, runInDocker} from '../executors/docker.js'
import {ensureOfficialImage, officialPins, type OfficialVariant} from '../official-image.js'
import {checkOnnxReference} from '../onnx-reference.js'
import {parseTrainerLine} from '../trainer-events.js'

/**
 * `bench export`: a checkpoint of a benchmark's upstream trainer — from a dcbench run or trained
 * elsewhere (DataComp's train.py, DCLM's training) — to dcbench's model folder, by the official image's
 * exporter (containers/official/dcbench_official/export.py): ONNX graphs with pure-torch attention and
 * FFN, the tokenizer, model.json marked `provenance.source: external`. The harness then loads every
 * graph, replays the exporter's torch outputs in onnxruntime-node, records the max abs diff in
 * model.json (`onnx_check`) and fails beyond the tolerance. The folder appears only when all of it passed.
 */

export interface ExportOptions {
  benchmark: string
  /** An upstream checkpoint (open_clip `epoch_N.pt`/`epoch_latest.pt`, open_lm `epoch_N.pt`). */
  checkpoint: string
  /** The architecture: a registered model name (open_clip `ViT-B-32`) or a model-config JSON file. */
  arch: string
  /** The model folder to write (new or empty). */
  out: string
  /** The official scale the checkpoint was trained at: its preprocessing / norm, qk-norm and FFN settings apply. */
  scale?: string
  /** LM: the tokenizer.json the training data was tokenized with. */
  tokenizer?: string
  eotTokenId?: number
  padTokenId?: number
  /** The official image build to export in (default `smoke`: CPU, built offline when missing). */
  variant?: OfficialVariant
  /** An image tag to export in instead. */
  image?: string
  /** Folder of sources.lock's archives for building a missing smoke image offline. */
  vendor?: string
  threads?: number
  /** A CLIP tower larger than this many bytes is written with ONNX external data; an LM whose two graphs together are larger shares one weights.bin between them (default 2,000,000,000). */
  externalDataBytes?: number
  /** Largest |onnxruntime − torch| accepted on the reference inputs (default 1e-4). */
  tolerance?: number
  onProgress?: (message: string) => void
  /** Every line the exporter prints. */
  onLog?: (line: string) => void
}

export interface ExportResult {
  out: string
  benchmark: string
  scale: string | null
  kind: string
  files: string[]
  image: string
  image_digest: string
  pins: RunPins | null
  /** Graph file → max |onnxruntime − torch| on the reference inputs. */
  max_abs_diff: Record<string, number>
  tolerance: number
}

function inputFile(path: string, what: string): string {
  const full = resolve(path)
  if (!existsSync(full)) throw new DcbError('DCB_EXPORT_INPUT', `${what} ${path}: not found`)
  const real = realpathSync(full)
  if (!lstatSync(real).isFile()) throw new DcbError('DCB_EXPORT_INPUT', `${what} ${path}: not a file`)
  return real
}

/** The new model folder: missing (its parent is created) or empty. */
async function outputFolder(out: string): Promise<string> {
  const full = resolve(out)
  if (existsSync(full) && (!lstatSync(full).isDirectory() || readdirSync(full).length > 0)) {
    throw new DcbError('DCB_EXPORT_INPUT', `--out ${out}: exists and is not an empty folder; choose a new folder for the model`)
  }
  await mkdir(dirname(full), {recursive: true})
  return full
}

export async function exportCheckpoint(options: ExportOptions): Promise<ExportResult> {
  const benchmark = getBenchmark(options.benchmark)
  const official = benchmark.training?.official
  if (!official) throw new DcbError('DCB_NOT_AVAILABLE', `benchmark '${benchmark.id}' has no upstream trainer whose checkpoints dcbench exports`)
  const scale = options.scale === undefined ? undefined : getRecipe({benchmark: options.benchmark, scale: options.scale})
  const checkpoint = inputFile(options.checkpoint, '--checkpoint')
  const archFile = options.arch.endsWith('.json') ? inputFile(options.arch, '--arch') : undefined
  if (!archFile && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.arch)) throw new DcbError('DCB_EXPORT_INPUT', `--arch ${options.arch}: expected a model name (letters, digits, . _ -) or a .json model config`)
  const settings = official.exportSettings(scale) as Record<string, unknown>
  const tokenizer = options.tokenizer === undefined ? undefined : inputFile(options.tokenizer, '--tokenizer')
  if (official.image === 'lm' && !tokenizer) throw new DcbError('DCB_EXPORT_INPUT', `${benchmark.id} checkpoints are language models: pass --tokenizer with the tokenizer.json their data was tokenized with`)
  const out = await outputFolder(options.out)
  const tolerance = options.tolerance ?? 1e-4
  const threads = options.threads ?? availableParallelism()

  const image = options.image
    ? {tag: options.image, ...(await imageOf(options.image))}
    : await ensureOfficialImage({image: official.image, variant: options.variant ?? 'smoke', vendor: options.vendor, onProgress: options.onProgress})
  const pins = options.image ? null : officialPins(official.image)
  const work = await mkdtemp(join(dirname(out), `.${basename(out)}.export-`))
  try {
    await mkdir(join(work, 'empty'))
    const binds = [`${checkpoint}:/in/checkpoint.pt:ro`]
    if (archFile) binds.push(`${archFile}:/in/arch/${basename(archFile)}:ro`)
    if (tokenizer) binds.push(`${tokenizer}:/in/tokenizer.json:ro`)
    const spec = {
      ...settings,
      kind: official.image,
      checkpoint: '/in/checkpoint.pt',
      out: '/out/model',
      arch: archFile ? `/in/arch/${basename(archFile)}` : options.arch,
      config: archFile ? `/in/arch/${basename(archFile)}` : options.arch,
      tokenizer: '/in/tokenizer.json',
      ...(options.eotTokenId === undefined ? {} : {eot_token_id: options.eotTokenId}),
      ...(options.padTokenId === undefined ? {} : {pad_token_id: options.padTokenId}),
      tolerance,
      external_data_bytes: options.externalDataBytes ?? 2_000_000_000,
      threads,
      model_json: {
        benchmark: benchmark.id,
        ...(scale ? {scale: scale.scale} : {}),
        provenance: {source: 'external', checkpoint: basename(options.checkpoint), exported_by: {harness_version: harnessVersion(), image: image.tag, image_digest: image.imageId, pins}},
      },
    }
    await writeFile(join(work, 'spec.json'), `${JSON.stringify(spec, null, 2)}\n`)
    options.onProgress?.(`exporting ${basename(checkpoint)} in ${image.tag}`)
    let said: string | undefined
    let lastLine: string | undefined
    const outcome = await runInDocker({
      image: image.tag, dataDir: join(work, 'empty'), runDir: work, extraBinds: binds, workingDir: null, command: ['export', '--spec', '/out/spec.json'],
      env: {DCBENCH_THREADS: String(threads), DCBENCH_GPUS: '0'}, threads, memoryBytes: Math.floor(totalmem() * 0.8), gpus: 0,
      labels: {'ai.dcbench.export': out},
      onLine: (line) => {
        options.onLog?.(line)
        const event = parseTrainerLine(line)
        if (event?.event === 'error') said = event.message
        else if (line.trim() !== '') lastLine = line.trim()
      },
    })
    if (outcome.exitCode === 2) throw new DcbError('DCB_EXPORT_INPUT', `${options.checkpoint}: ${said ?? lastLine ?? 'the exporter refused it'}`)
    if (outcome.exitCode !== 0) throw new DcbError('DCB_EXPORT_FAILED', `the exporter in ${image.tag} exited with code ${outcome.exitCode}${outcome.oomKilled ? ' (killed by the OOM killer)' : ''}: ${said ?? lastLine ?? 'no output'}`)

    const modelDir = join(work, 'model')
    // the checkpoint is unpickled in the container: what it wrote is not followed (a planted link to a host file)
    try {
      if (!checkTreeInside(work, 'model')) throw new DcbError('DCB_EXPORT_FAILED', `the exporter in ${image.tag} wrote no model folder`)
    } catch (error) {
      if (error instanceof UnsafePathError) throw new DcbError('DCB_EXPORT_FAILED', `the exporter's model folder: ${error.message}`)
      throw error
    }
    const problems: string[] = []
    const checked = await (benchmark.training as NonNullable<typeof benchmark.training>).checkModel(modelDir, problems)
    if (problems.length > 0 || !checked) throw new DcbError('DCB_EXPORT_FAILED', `the exporter's model folder fails the model checks: ${problems[0] ?? 'no model.json'}`)
    const results = await checkOnnxReference(modelDir, checked.reference ?? 'reference.json')
    await recordOnnxCheck(modelDir, results)
    await rm(out, {recursive: true, force: true})
    await rename(modelDir, out)
    return {
      out, benchmark: benchmark.id, scale: scale?.scale ?? null, kind: checked.kind, files: readdirSync(out).sort(), image: image.tag, image_digest: image.imageId, pins,
      max_abs_diff: Object.fromEntries(results.map((r) => [r.graph, r.maxAbsDiff])), tolerance,
    }
  } catch (error) {
    if (isDcbError(error)) throw error
    throw new DcbError('DCB_EXPORT_FAILED', `export of ${options.checkpoint} failed: ${(error as Error).message.split('\n')[0]}`)
  } finally {
    await rm(work, {recursive: true, force: true})
  }
}

async function imageOf(tag: string): Promise<{imageId: string}> {
  const id = await localImageId(tag)
  if (!id) throw new DcbError('DCB_NO_IMAGE', `image ${tag} is not in the local Docker engine`)
  return {imageId: id}
}
