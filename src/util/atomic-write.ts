import {randomBytes} from 'node:crypto'
import {rename, rm, writeFile} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

/**
 * A temporary path beside `target` (same directory, so the final rename is atomic on one filesystem).
 * Its name starts with '.' and ends with '.partial' so listings and globs skip it.
 */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`)
}

/**
 * Runs `write` against a temporary path and renames it onto `target` only when it succeeds, so a
 * reader never sees a partial file and a failed command leaves nothing behind.
 */
export async function writeAtomically(target: string, write: (tempPath: string) => Promise<void>): Promise<void> {
  const temp = tempPathFor(target)
  try {
    await write(temp)
    await rename(temp, target)
  } catch (error) {
    await rm(temp, {force: true, recursive: true})
    throw error
  }
}

/**
 * Writes a whole file atomically. The temporary file is created exclusively (`wx`): in a folder
 * someone else can write (a run folder a trainer wrote), a link planted at its name is refused, not
 * written through.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await writeAtomically(target, (temp) => writeFile(temp, data, {flag: 'wx'}))
}
