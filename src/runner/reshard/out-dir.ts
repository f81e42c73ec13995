import {mkdir, readdir, readFile, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../../errors.js'
import {fileSha256} from '../../util/file-sha256.js'

/** Parses a JSON file; undefined when it does not exist. A malformed file is a one-line error. */
export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DcbError('DCB_RESHARD_OUT', `${file}: cannot read (${(error as NodeJS.ErrnoException).code})`)
  }
  try {
    return JSON.parse(text) as T
  } catch {
    throw new DcbError('DCB_RESHARD_OUT', `${file}: not valid JSON; delete the folder and reshard again`)
  }
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

/** The scale a synthetic pool was made for (`POOL/pool.json`), if any. */
export async function poolScale(poolDir: string): Promise<string | undefined> {
  const meta = await readFile(join(poolDir, 'pool.json'), 'utf8').then(
    (t) => JSON.parse(t) as {scale?: unknown},
    () => undefined,
  )
  return typeof meta?.scale === 'string' ? meta.scale : undefined
}

export function pad8(n: number): string {
  return String(n).padStart(8, '0')
}
