import {createHash} from 'node:crypto'
import {mkdir, readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'

import type {EmbedPart} from '../benchmarks/benchmark.js'
import {DcbError} from '../errors.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {asJsonObject, readJsonFile} from '../util/json-file.js'

/**
 * The output folder of `bench embed`: `<stem>.npz` per finished part and `embed.json`, which says
 * what the files are (pool, model, array, settings) and which parts are finished. A rerun with the
 * same inputs keeps the finished parts; any other folder content is refused rather than mixed in.
 */

export const EMBED_MANIFEST = 'embed.json'
const FORMAT = 'dcbench.embeddings/1'

/** What makes two runs the same run: a folder written with other values is another pool's or model's. */
export interface EmbedIdentity {
  benchmark: string
  /** sha256 over the parts' stems and source sizes, in order. */
  pool_fingerprint: string
  model_sha256: string
  name: string
  input: 'image' | 'text'
  /** Tokenization or preprocessing, and pooling, in words. */
  settings: string
}

export interface EmbedManifest extends EmbedIdentity {
  format: string
  dim: number | null
  /** Finished parts by stem: rows written, and rows the pool had no input for (zero rows). */
  parts: Record<string, {rows: number; missing: number}>
}

/** The pool fingerprint of a part list. */
export function poolFingerprint(parts: readonly EmbedPart[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(`${part.stem}\0${part.bytes}\n`)
  return hash.digest('hex')
}

function outError(dir: string, problem: string): DcbError {
  return new DcbError('DCB_EMBED_OUT', `--out ${dir}: ${problem}`, {suggestions: ['pass a new or empty folder, or the folder an earlier run of the same command wrote (it resumes)']})
}

/**
 * Opens (creating) the output folder and returns its manifest: a fresh one, or the earlier run's with
 * the finished parts whose files are still there. Refuses a folder of another run or with other .npz files.
 */
export async function openOutDir(dir: string, identity: EmbedIdentity): Promise<EmbedManifest> {
  await mkdir(dir, {recursive: true})
  const file = join(dir, EMBED_MANIFEST)
  const stored = asJsonObject(await readJsonFile(file, {code: 'DCB_EMBED_OUT', what: `embed manifest ${file}`, maxBytes: 64 << 20, allowMissing: true}))
  const names = await readdir(dir)
  if (!stored) {
    const npz = names.filter((n) => n.endsWith('.npz'))
    if (npz.length > 0) throw outError(dir, `holds ${npz.length} .npz file(s) (${npz.slice(0, 3).join(', ')}) but no ${EMBED_MANIFEST}: not written by bench embed, or by another pool's run`)
    return {format: FORMAT, ...identity, dim: null, parts: {}}
  }
  if (stored.format !== FORMAT) throw outError(dir, `${EMBED_MANIFEST} has format ${JSON.stringify(stored.format)}; expected ${FORMAT}`)
  for (const key of Object.keys(identity) as (keyof EmbedIdentity)[]) {
    if (stored[key] !== identity[key]) {
      const what = key === 'pool_fingerprint' ? "another pool's embeddings (its parts or their sizes differ)" : `embeddings with ${key} ${JSON.stringify(stored[key])}`
      throw outError(dir, `holds ${what}; this run has ${key} ${JSON.stringify(identity[key])}`)
    }
  }
  const parts: EmbedManifest['parts'] = {}
  const storedParts = asJsonObject(stored.parts) ?? {}
  for (const [stem, value] of Object.entries(storedParts)) {
    const entry = asJsonObject(value)
    const present = await stat(join(dir, `${stem}.npz`)).catch(() => undefined)
    if (entry && present?.isFile() && typeof entry.rows === 'number' && typeof entry.missing === 'number') parts[stem] = {rows: entry.rows, missing: entry.missing}
  }
  return {format: FORMAT, ...identity, dim: typeof stored.dim === 'number' ? stored.dim : null, parts}
}

/** Records the manifest (after each finished part). */
export async function saveManifest(dir: string, manifest: EmbedManifest): Promise<void> {
  await writeFileAtomic(join(dir, EMBED_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
}
