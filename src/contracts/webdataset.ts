import {createReadStream} from 'node:fs'

import tar from 'tar-stream'

/**
 * Webdataset member naming (docs/contracts.md): a tar member `dir/KEY.EXT` belongs to the sample KEY,
 * and consecutive members with one key form a sample. Every dcbench reader and writer of webdataset
 * tars (DataComp pool shards, training shards, eval datasets) splits names here, so all agree with
 * webdataset itself.
 */

/**
 * webdataset's `base_plus_ext` (tariterators.py, identical in 0.2.31 and 0.2.90): the key is the path
 * up to the first dot of the base name, the extension everything after it; `group_by_keys` then
 * lower-cases the extension. Names without a dot in the base name (or a base name that starts with
 * one) have no key: webdataset skips them.
 */
export function splitMemberName(name: string): {key: string; ext: string} | undefined {
  const match = /^((?:.*\/|)[^.]+)[.]([^/]*)$/.exec(name)
  return match ? {key: match[1] as string, ext: (match[2] as string).toLowerCase()} : undefined
}

/** One sample of a tar: the members of consecutive entries sharing a key, by lower-cased extension. */
export interface TarSample {
  key: string
  members: Map<string, Buffer>
}

/** A tar that webdataset would refuse: the caller names the file and wraps it in its own error. */
export class TarFormatError extends Error {}

/**
 * The most bytes of members one sample may hold in memory, each member and all together: 256 MiB.
 * Pool images are at most 512 px on a side (img2dataset, datacomp spec §2.5) and eval images a few
 * MB; a member past it is refused from its tar header, before its bytes are read.
 */
export const WDS_MAX_SAMPLE_BYTES = 256 << 20

export interface ReadTarOptions {
  /** Which members to hold, by lower-cased extension; the others are streamed past unread. Default: all. */
  keep?: (ext: string) => boolean
  /** The most bytes a sample's held members may take, each and together (default WDS_MAX_SAMPLE_BYTES). */
  maxSampleBytes?: number
}

/**
 * The samples of one webdataset tar in entry order, grouped as webdataset's `group_by_keys` does:
 * consecutive regular-file entries with one key form a sample; entries without a key are skipped; an
 * extension twice in one sample is refused (webdataset raises ValueError). Streamed entry by entry:
 * members not kept are read past without being held, and a kept member larger than the sample budget
 * is refused from its header (tar-stream itself caps pax and long-name headers at 4 MiB). A read or
 * format error is thrown as it comes (a TarFormatError for a duplicate or oversized member).
 */
export async function* readTarSamples(tarFile: string, options: ReadTarOptions = {}): AsyncGenerator<TarSample> {
  const maxBytes = options.maxSampleBytes ?? WDS_MAX_SAMPLE_BYTES
  const extract = tar.extract()
  const input = createReadStream(tarFile)
  input.on('error', (error) => extract.destroy(error))
  input.pipe(extract)
  let current: TarSample | undefined
  let seen = new Set<string>()
  let held = 0
  for await (const entry of extract) {
    const parts = entry.header.type === 'file' ? splitMemberName(entry.header.name) : undefined
    if (!parts) {
      for await (const _ of entry) void _
      continue
    }
    if (current && current.key !== parts.key) {
      yield current
      current = undefined
    }
    if (!current) {
      current = {key: parts.key, members: new Map()}
      seen = new Set()
      held = 0
    }
    if (seen.has(parts.ext)) throw new TarFormatError(`member ${entry.header.name}: sample '${parts.key}' already has a .${parts.ext} member (webdataset refuses duplicates)`)
    seen.add(parts.ext)
    if (options.keep && !options.keep(parts.ext)) {
      for await (const _ of entry) void _
      continue
    }
    const size = entry.header.size ?? 0
    if (size > maxBytes - held) {
      const what = size > maxBytes ? `is ${size} bytes` : `is ${size} bytes, which with the sample's other members (${held} bytes) is`
      throw new TarFormatError(`member ${entry.header.name} ${what}, more than the ${maxBytes} bytes a webdataset sample may hold in memory`)
    }
    // one buffer of the declared size: no list of chunks and no copy to join them
    const data = Buffer.allocUnsafe(size)
    let filled = 0
    for await (const chunk of entry) {
      const bytes = chunk as Buffer
      bytes.copy(data, filled)
      filled += bytes.length
    }
    held += size
    current.members.set(parts.ext, data.subarray(0, filled))
  }
  if (current) yield current
}
