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
 * The samples of one webdataset tar in entry order, grouped as webdataset's `group_by_keys` does:
 * consecutive regular-file entries with one key form a sample; entries without a key are skipped; an
 * extension twice in one sample is refused (webdataset raises ValueError). Streamed entry by entry;
 * a read or format error is thrown as it comes (a TarFormatError for a duplicate member).
 */
export async function* readTarSamples(tarFile: string): AsyncGenerator<TarSample> {
  const extract = tar.extract()
  const input = createReadStream(tarFile)
  input.on('error', (error) => extract.destroy(error))
  input.pipe(extract)
  let current: TarSample | undefined
  for await (const entry of extract) {
    const chunks: Buffer[] = []
    for await (const chunk of entry) chunks.push(chunk as Buffer)
    if (entry.header.type !== 'file') continue
    const parts = splitMemberName(entry.header.name)
    if (!parts) continue
    if (current && current.key !== parts.key) {
      yield current
      current = undefined
    }
    current ??= {key: parts.key, members: new Map()}
    if (current.members.has(parts.ext)) throw new TarFormatError(`member ${entry.header.name}: sample '${parts.key}' already has a .${parts.ext} member (webdataset refuses duplicates)`)
    current.members.set(parts.ext, Buffer.concat(chunks))
  }
  if (current) yield current
}
