import yauzl, {type Entry, type ZipFile} from 'yauzl'

import {DcbError} from '../../errors.js'

/**
 * Random access to the members of a zip file (the nlphuji image archives, ~1 GB): the central
 * directory is read once, members are inflated one at a time on demand, so memory stays at one
 * image. yauzl refuses absolute and `..` member names and checks each member's inflated size
 * against the directory; this reader adds bounds on the member count and on a member's size, and
 * refuses encrypted members. (yauzl does not check CRC-32: the archive's sha256 is checked when it
 * is downloaded.)
 */
export interface ZipReader {
  file: string
  /** Member names of regular files (folders left out), as stored. */
  names(): IterableIterator<string>
  has(name: string): boolean
  /** A member's bytes; refused when it is missing or larger than `maxMemberBytes`. */
  read(name: string): Promise<Buffer>
  close(): void
}

export interface OpenZipOptions {
  /** Default 2,000,000. */
  maxMembers?: number
  /** Default 64 MiB. */
  maxMemberBytes?: number
}

function zipError(file: string, problem: string): DcbError {
  return new DcbError('DCB_EVAL_DATA', `${file}: ${problem}`, {suggestions: ['download it again with `bench eval fetch`']})
}

/** Opens a zip and indexes its members (only the central directory is read). */
export async function openZip(file: string, options: OpenZipOptions = {}): Promise<ZipReader> {
  const maxMembers = options.maxMembers ?? 2_000_000
  const maxMemberBytes = options.maxMemberBytes ?? 64 * 1024 ** 2
  let zip: ZipFile
  try {
    zip = await yauzl.openPromise(file, {lazyEntries: true, autoClose: false, strictFileNames: true})
  } catch (error) {
    throw zipError(file, `not a readable zip (${(error as Error).message})`)
  }
  if (zip.entryCount > maxMembers) {
    zip.close()
    throw zipError(file, `${zip.entryCount} members, more than the ${maxMembers} this reader accepts`)
  }
  const entries = new Map<string, Entry>()
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: Entry) => {
        if (!entry.fileName.endsWith('/')) entries.set(entry.fileName, entry)
        zip.readEntry()
      })
      zip.on('end', () => resolve())
      zip.on('error', (error: Error) => reject(error))
      zip.readEntry()
    })
  } catch (error) {
    zip.close()
    throw zipError(file, `not a readable zip (${(error as Error).message})`)
  }
  return {
    file,
    names: () => entries.keys(),
    has: (name) => entries.has(name),
    async read(name) {
      const entry = entries.get(name)
      if (!entry) throw zipError(file, `no member ${name}`)
      if (entry.isEncrypted()) throw zipError(file, `member ${name} is encrypted`)
      if (entry.uncompressedSize > maxMemberBytes) throw zipError(file, `member ${name} inflates to ${entry.uncompressedSize} bytes, more than ${maxMemberBytes}`)
      try {
        const stream = await zip.openReadStreamPromise(entry)
        const chunks: Buffer[] = []
        for await (const chunk of stream) chunks.push(chunk as Buffer)
        return Buffer.concat(chunks)
      } catch (error) {
        throw zipError(file, `member ${name} cannot be read (${(error as Error).message})`)
      }
    },
    close: () => zip.close(),
  }
}
