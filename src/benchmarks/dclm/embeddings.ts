import {existsSync} from 'node:fs'
import {stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {DcbError} from '../../errors.js'
import type {EmbeddingBatch} from '../../filters/builtin-types.js'
import {embeddingsError, openNpz} from '../../pool/npz.js'
import type {EmbedPart, EmbedSpec} from '../embed-spec.js'
import {DCLM_DOCUMENT_SUFFIXES, iterateDocumentFile, listDclmDocumentFiles} from './documents.js'

/**
 * DCLM pool embeddings (docs/contracts.md, "Embeddings"): one `<stem>.npz` per documents file, where
 * `<stem>` is the file name without its `.jsonl[.gz|.zst|.zstd]` suffix, beside the file or in the
 * folder `bench embed --out` wrote; row i belongs to the file's i-th document (blank lines are not
 * documents), so the rows carry no ids: they line up with the documents by position.
 */

/** A documents file's name without its suffix. */
export function documentsStem(file: string): string {
  const name = basename(file)
  const suffix = DCLM_DOCUMENT_SUFFIXES.find((s) => name.toLowerCase().endsWith(s)) ?? ''
  return name.slice(0, name.length - suffix.length)
}

/** The pool's embedding rows with their document ids, file by file (the adapter's `filter.embeddings`). */
export async function* dclmEmbeddings(pool: string, array: string, batchRows: number, dir?: string): AsyncGenerator<EmbeddingBatch> {
  for (const file of await listDclmDocumentFiles(pool)) {
    const npzFile = join(dir ?? dirname(file), `${documentsStem(file)}.npz`)
    if (!existsSync(npzFile)) throw embeddingsError(npzFile, `missing: ${file} needs its embeddings file (${basename(npzFile)})`)
    // the ids of one file at a time: memory bounded by the largest documents file
    const ids: string[] = []
    for await (const doc of iterateDocumentFile(file)) ids.push(doc.id)
    const npz = await openNpz(npzFile)
    try {
      const {rows, dim} = await npz.matrix(array)
      if (rows !== ids.length) throw embeddingsError(npzFile, `array '${array}' has ${rows} rows but ${file} has ${ids.length} documents; the ids do not line up`)
      let at = 0
      for await (const batch of npz.batches(array, batchRows)) {
        const n = batch.length / dim
        yield {uids: ids.slice(at, at + n), rows: batch, dim}
        at += n
      }
    } finally {
      npz.close()
    }
  }
}

/** The adapter's `embed` member: text towers over the documents, file by file, in document order. */
export const dclmEmbed: EmbedSpec = {
  async parts(pool) {
    return Promise.all((await listDclmDocumentFiles(pool)).map(async (source) => ({stem: documentsStem(source), source, bytes: (await stat(source)).size})))
  },
  async *inputs(pool, parts, kind, wanted) {
    if (kind === 'image') {
      throw new DcbError('DCB_EMBED_INPUT', `DCLM pool ${pool}: no images (a DCLM pool holds text documents); embed them with a text tower`)
    }
    for (const index of [...wanted].sort((a, b) => a - b)) {
      let row = 0
      for await (const doc of iterateDocumentFile((parts[index] as EmbedPart).source)) yield {kind: 'record', part: index, row: row++, text: doc.text}
      yield {kind: 'size', part: index, rows: row}
    }
  },
}
