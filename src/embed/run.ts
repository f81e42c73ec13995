import {open, rm, truncate, type FileHandle} from 'node:fs/promises'
import {join} from 'node:path'

import type {EmbedItem, EmbedPart} from '../benchmarks/benchmark.js'
import {getBenchmark} from '../benchmarks/registry.js'
import {DcbError} from '../errors.js'
import type {ClipDevice} from '../eval/clip/model.js'
import {writeFloat16Npz, float16Bytes} from '../pool/npz-write.js'
import type {ProgressListener} from '../ui/progress.js'
import {writeAtomically} from '../util/atomic-write.js'
import {fileSha256} from '../util/file-sha256.js'
import {openOutDir, poolFingerprint, saveManifest, type EmbedManifest} from './out-dir.js'
import {createBatchEncoder} from './batch-encoder.js'
import {loadTower, type Pooling} from './tower.js'

/**
 * `bench embed`: a pool's embeddings from an ONNX tower, one `<stem>.npz` per part of the pool (the
 * adapter's `embed`), array `name`, float16, rows L2-normalised (F.normalize, then astype(float16)),
 * in the layout the embedding filters read. Rows are written to a scratch file per part at their
 * row's offset as batches finish, so memory is bounded by one batch whatever the pool's size; a part
 * becomes its `.npz` (temp + rename) as soon as all its rows are in, and embed.json records it, so an
 * interrupted run loses at most the parts in progress and a rerun skips the finished ones.
 */

export interface EmbedOptions {
  benchmark: string
  pool: string
  /** The ONNX tower. */
  model: string
  out: string
  /** The array name (`b32_img`, `l14_txt`, `text`…). */
  name: string
  /** A Hugging Face tokenizer.json for a text tower; default open_clip's tokenizer. */
  tokenizer?: string
  /** Token rows' length when the graph does not fix one. */
  maxTokens?: number
  pooling?: Pooling
  /** Records per model call (default 32). */
  batchSize?: number
  device?: ClipDevice
  /** Told the size of the work before it starts. */
  onPlan?: (plan: EmbedPlan) => void
  /** Records embedded so far (total: the rows of the parts whose size is known). */
  onProgress?: ProgressListener
}

export interface EmbedPlan {
  input: 'image' | 'text'
  parts: number
  /** Parts an earlier run finished, kept. */
  kept: number
  /** Bytes of the source files of the parts to embed. */
  bytes: number
}

export interface EmbedOutcome {
  out: string
  name: string
  input: 'image' | 'text'
  dim: number | null
  parts: number
  /** Parts written by this run, and kept from an earlier one. */
  written: number
  kept: number
  /** Rows written by this run. */
  rows: number
  /** Rows without an input in the pool (an image the download lost): written as zeros. */
  missing: number
  model_sha256: string
  seconds: number
}

/** Scratch files open at once: parts are filled in any order (DataComp images), so handles are recycled. */
const MAX_OPEN_PARTS = 64

interface PartState {
  part: EmbedPart
  rows?: number
  filled: number
  scratch: string
}

export async function embedPool(options: EmbedOptions): Promise<EmbedOutcome> {
  const started = Date.now()
  const benchmark = getBenchmark(options.benchmark)
  const spec = benchmark.embed
  if (!spec) throw new DcbError('DCB_NOT_AVAILABLE', `${benchmark.title} has no embedding support (its adapter has no embed member)`)
  const parts = await spec.parts(options.pool)
  const tower = await loadTower(options.model, {device: options.device, pooling: options.pooling})
  const encoder = createBatchEncoder(tower, {tokenizer: options.tokenizer, maxTokens: options.maxTokens})
  const handles = new Map<number, FileHandle>()
  try {
    const manifest = await openOutDir(options.out, {
      benchmark: benchmark.id, pool_fingerprint: poolFingerprint(parts), model_sha256: await fileSha256(options.model), name: options.name, input: tower.input.kind,
      settings: `${encoder.describe}${tower.input.kind === 'text' ? `, ${options.pooling ?? 'mean'} pooling of token states` : ''}`,
    })
    const states = new Map<number, PartState>()
    parts.forEach((part, i) => {
      if (!manifest.parts[part.stem]) states.set(i, {part, filled: 0, scratch: join(options.out, `.${part.stem}.rows.scratch`)})
    })
    const kept = parts.length - states.size
    options.onPlan?.({input: tower.input.kind, parts: parts.length, kept, bytes: [...states.values()].reduce((s, p) => s + p.part.bytes, 0)})
    let rows = 0
    let missing = 0
    let written = 0
    let done = 0
    // rows of the parts whose size is known (DataComp: all, up front; DCLM: each file's, at its end)
    let known = 0
    const handleFor = async (index: number): Promise<FileHandle> => {
      const open_ = handles.get(index)
      if (open_) {
        handles.delete(index)
        handles.set(index, open_)
        return open_
      }
      if (handles.size >= MAX_OPEN_PARTS) {
        const [oldest, handle] = handles.entries().next().value as [number, FileHandle]
        handles.delete(oldest)
        await handle.close()
      }
      const state = states.get(index) as PartState
      // a part's first write truncates what an interrupted run left; later opens keep the rows
      const handle = await open(state.scratch, state.filled === 0 ? 'w+' : 'r+')
      handles.set(index, handle)
      return handle
    }
    const finish = async (index: number): Promise<void> => {
      const state = states.get(index) as PartState
      const count = state.rows as number
      const dim = manifest.dim ?? 0
      const handle = handles.get(index)
      handles.delete(index)
      await handle?.close()
      // rows without input (and a part without any) are zeros: the scratch file is extended to its full size
      await (await open(state.scratch, 'a')).close()
      await truncate(state.scratch, count * dim * 2)
      const target = join(options.out, `${state.part.stem}.npz`)
      await writeAtomically(target, (temp) => writeFloat16Npz(temp, options.name, count, dim, state.scratch))
      await rm(state.scratch, {force: true})
      manifest.parts[state.part.stem] = {rows: count, missing: count - state.filled}
      missing += count - state.filled
      rows += count
      written++
      states.delete(index)
      await saveManifest(options.out, manifest)
    }
    let batch: Extract<EmbedItem, {kind: 'record'}>[] = []
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      const items = batch
      batch = []
      const {features, dim} = await encoder.encode(items)
      if (manifest.dim === null) manifest.dim = dim
      else if (manifest.dim !== dim) throw new DcbError('DCB_EMBED_MODEL', `model ${options.model}: returned ${dim}-d rows after ${manifest.dim}-d ones`)
      const bytes = float16Bytes(features)
      for (const [i, item] of items.entries()) {
        const handle = await handleFor(item.part)
        await handle.write(bytes, i * dim * 2, dim * 2, item.row * dim * 2)
        ;(states.get(item.part) as PartState).filled++
      }
      done += items.length
      options.onProgress?.({done, total: known >= done ? known : undefined})
      for (const [index, state] of [...states]) if (state.rows !== undefined && state.filled === state.rows) await finish(index)
    }
    for await (const item of spec.inputs(options.pool, parts, tower.input.kind, new Set(states.keys()))) {
      if (item.kind === 'size') {
        ;(states.get(item.part) as PartState).rows = item.rows
        known += item.rows
        await flush()
        const state = states.get(item.part)
        if (state && state.filled === item.rows) await finish(item.part)
        continue
      }
      batch.push(item)
      if (batch.length >= (options.batchSize ?? 32)) await flush()
    }
    await flush()
    // what is left lacked inputs for some rows (DataComp: images the download lost): their rows stay zero
    for (const index of [...states.keys()]) if (states.get(index)?.rows !== undefined) await finish(index)
    return {out: options.out, name: options.name, input: tower.input.kind, dim: manifest.dim, parts: parts.length, written, kept, rows, missing, model_sha256: manifest.model_sha256, seconds: (Date.now() - started) / 1000}
  } finally {
    for (const handle of handles.values()) await handle.close().catch(() => undefined)
    await encoder.close()
    await tower.release()
  }
}

export type {EmbedManifest}
