import {randomBytes} from 'node:crypto'
import {readdir, rename, rm, writeFile} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

/**
 * A temporary path beside `target` (same directory, so the final rename is atomic on one filesystem).
 * Its name starts with '.' and ends with '.partial' so listings and globs skip it.
 */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`)
}

/** The pid in a temporary name made by `tempPathFor` for `target`, or undefined when the name is not one. */
function tempOwner(target: string, name: string): number | undefined {
  const prefix = `.${basename(target)}.`
  if (!name.startsWith(prefix) || !name.endsWith('.partial')) return undefined
  const match = /^(\d+)\.[0-9a-f]{8}\.partial$/.exec(name.slice(prefix.length))
  return match ? Number(match[1]) : undefined
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, another user's
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the temporary files or folders that killed processes left for `target` (`tempPathFor`
 * names hold the writer's pid; a process that no longer runs will never rename them). A temporary
 * of a live process — this one's included — is left alone. Returns the names removed.
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = dirname(target)
  const names = await readdir(dir).catch(() => [] as string[])
  const stale = names.filter((name) => {
    const pid = tempOwner(target, name)
    return pid !== undefined && pid !== process.pid && !isAlive(pid)
  })
  for (const name of stale) await rm(join(dir, name), {recursive: true, force: true})
  return stale
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
