import {closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, type Stats} from 'node:fs'
import {join, sep} from 'node:path'

/**
 * Opening files in a folder that someone else can write — a run folder the training container wrote
 * — without being led elsewhere: every component below the folder must be a real directory (no
 * symbolic link), the file itself a regular file opened with O_NOFOLLOW and O_NONBLOCK (a FIFO is
 * refused, not waited on), and on Linux the opened descriptor must still resolve inside the folder
 * (/proc/self/fd), so a component swapped for a link between the checks and the open is caught too.
 * Reads are bounded. Callers turn `UnsafePathError` into their own error code.
 */

/** A path under the folder is a link, not a regular file or folder, too large, or resolves outside it. */
export class UnsafePathError extends Error {
  constructor(
    /** The offending path (a component of the one asked for, when that is where the link is). */
    readonly path: string,
    /** What it is, e.g. "a symbolic link (to /etc/passwd)". */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`)
    this.name = 'UnsafePathError'
  }
}

const KINDS: [(s: Stats) => boolean, string][] = [
  [(s) => s.isFIFO(), 'a FIFO'],
  [(s) => s.isSocket(), 'a socket'],
  [(s) => s.isCharacterDevice(), 'a character device'],
  [(s) => s.isBlockDevice(), 'a block device'],
  [(s) => s.isDirectory(), 'a folder'],
  [(s) => s.isSymbolicLink(), 'a symbolic link'],
]

function kindOf(stats: Stats): string {
  return KINDS.find(([test]) => test(stats))?.[1] ?? 'not a regular file'
}

function linkError(path: string): UnsafePathError {
  let target = '?'
  try {
    target = readlinkSync(path)
  } catch {
    // swapped again since; the message does without the target
  }
  return new UnsafePathError(path, `a symbolic link (to ${target})`)
}

function components(rel: string): string[] {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.length === 0 || parts.includes('..')) throw new Error(`no-follow: ${JSON.stringify(rel)} is not a path below its folder`)
  return parts
}

/**
 * The lstat of `root/rel`, or undefined when it does not exist. Every component below `root` must
 * be a real directory and `rel` itself must not be a symbolic link; its type is the caller's to check.
 */
export function lstatInside(root: string, rel: string): Stats | undefined {
  const parts = components(rel)
  let path = root
  for (const [i, part] of parts.entries()) {
    path = join(path, part)
    let stats: Stats
    try {
      stats = lstatSync(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    if (stats.isSymbolicLink()) throw linkError(path)
    if (i < parts.length - 1 && !stats.isDirectory()) throw new UnsafePathError(path, `${kindOf(stats)}, not a folder`)
    if (i === parts.length - 1) return stats
  }
  return undefined
}

/** Makes `root/rel` a folder when it is missing (its parent must exist); refuses anything else in its place. */
export function ensureDirInside(root: string, rel: string): void {
  const stats = lstatInside(root, rel)
  if (stats?.isDirectory()) return
  if (stats) throw new UnsafePathError(join(root, rel), `${kindOf(stats)}, not a folder`)
  mkdirSync(join(root, rel))
  ensureDirInside(root, rel)
}

/**
 * Opens the regular file `root/rel` with `flags` (plus O_NOFOLLOW and O_NONBLOCK) and returns its
 * descriptor. A missing file throws the usual ENOENT error (unless `flags` create it).
 */
export function openInsideSync(root: string, rel: string, flags: number, mode = 0o644): number {
  const path = join(root, rel)
  const before = lstatInside(root, rel)
  // a FIFO would block a read, or fail a non-blocking write open with ENXIO: name it instead
  if (before && !before.isFile()) throw new UnsafePathError(path, `not a regular file (${kindOf(before)})`)
  let fd: number
  try {
    fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw linkError(path)
    throw error
  }
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) throw new UnsafePathError(path, `not a regular file (${kindOf(stats)})`)
    const resolved = resolvedPathOf(fd)
    const inside = realpathSync(root)
    if (resolved !== undefined && !resolved.startsWith(inside + sep)) throw new UnsafePathError(path, `resolves to ${resolved}, outside ${inside}`)
    return fd
  } catch (error) {
    closeSync(fd)
    throw error
  }
}

/** Where an open descriptor's file is, on Linux; undefined where /proc cannot say. */
function resolvedPathOf(fd: number): string | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    return readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return undefined
  }
}

/** The whole of the regular file `root/rel`, refused past `maxBytes`. */
export function readFileInsideSync(root: string, rel: string, maxBytes: number): Buffer {
  const fd = openInsideSync(root, rel, constants.O_RDONLY)
  try {
    const size = fstatSync(fd).size
    if (size > maxBytes) throw new UnsafePathError(join(root, rel), `${size} bytes, more than the ${maxBytes} allowed`)
    // one byte more than fstat said, to notice a file that grows while it is read
    const buffer = Buffer.alloc(size + 1)
    let length = 0
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null)
    if (length > size) throw new UnsafePathError(join(root, rel), 'grew while it was read')
    return buffer.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}

/**
 * Checks that the folder `root/rel` holds only real folders and regular files, at most `maxEntries`
 * of them (links and FIFOs are refused, not followed). False when it does not exist.
 */
export function checkTreeInside(root: string, rel: string, maxEntries = 100_000): boolean {
  const top = lstatInside(root, rel)
  if (!top) return false
  if (!top.isDirectory()) throw new UnsafePathError(join(root, rel), `${kindOf(top)}, not a folder`)
  let entries = 0
  const walk = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      if (++entries > maxEntries) throw new UnsafePathError(join(root, rel), `more than ${maxEntries} entries`)
      const child = join(path, name)
      const stats = lstatSync(child)
      if (stats.isSymbolicLink()) throw linkError(child)
      if (stats.isDirectory()) walk(child)
      else if (!stats.isFile()) throw new UnsafePathError(child, `not a regular file (${kindOf(stats)})`)
    }
  }
  walk(join(root, rel))
  return true
}
