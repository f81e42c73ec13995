import {mkdir, readdir, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../../errors.js'
import {fileSha256} from '../../util/file-sha256.js'
import {asJsonObject, readJsonFile} from '../../util/json-file.js'

/** A reshard's own JSON files (manifests, state) list every shard: generous, but bounded. */
const MAX_OUTPUT_JSON_BYTES = 512 << 20

/**
 * Parses one of a reshard output's JSON files strictly (util/json-file); undefined when it does not
 * exist. A malformed, oversized or non-regular file is a one-line error.
 */
export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  return (await readJsonFile(file, {code: 'DCB_RESHARD_OUT', what: file, maxBytes: MAX_OUTPUT_JSON_BYTES, allowMissing: true})) as T | undefined
}

/** Creates `dir` when missing; lists it. A file in its place is an error. */
export async function prepareDir(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined)
  if (info && !info.isDirectory()) throw new DcbError('DCB_RESHARD_OUT', `output ${dir}: exists and is not a folder`)
  await mkdir(dir, {recursive: true})
  return readdir(dir)
}

/** Removes temporary files left by an interrupted run (`.name.pid.rand.partial`). */
export async function removePartials(dir: string, names: readonly string[]): Promise<void> {
  for (const name of names) if (name.startsWith('.') && name.endsWith('.partial')) await rm(join(dir, name), {force: true, recursive: true})
}

/** The sha256 of `POOL/pool.uidx` when the pool has one (recorded so `bench submit` can name the pool). */
export async function poolIndexSha256(poolDir: string): Promise<string | null> {
  const file = join(poolDir, 'pool.uidx')
  const info = await stat(file).catch(() => undefined)
  return info?.isFile() ? fileSha256(file) : null
}

/** The scale a synthetic pool was made for (`POOL/pool.json`, a few hundred bytes), if any. */
export async function poolScale(poolDir: string): Promise<string | undefined> {
  const file = join(poolDir, 'pool.json')
  const meta = asJsonObject(await readJsonFile(file, {code: 'DCB_POOL_INPUT', what: `pool ${file}`, maxBytes: 1 << 20, allowMissing: true}))
  return typeof meta?.scale === 'string' ? meta.scale : undefined
}

export function pad8(n: number): string {
  return String(n).padStart(8, '0')
}
