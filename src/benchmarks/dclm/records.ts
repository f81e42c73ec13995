import {iterateDclmDocuments} from './documents.js'

/** One document of a DCLM pool, as filters see it. */
export interface DocumentRecord {
  benchmark: 'dclm'
  /** The DCLM document id (docs/pools-and-subsets.md), 32 lowercase hex digits. */
  uid: string
  text: string
  url: string
  /** Every field of the JSONL record except `text` and `url`. */
  metadata: Readonly<Record<string, unknown>>
}

/** Every document of a DCLM pool (or of some of its document files), in file order. */
export async function* iterateDocumentRecords(pool: string, files?: readonly string[]): AsyncGenerator<DocumentRecord> {
  for await (const doc of iterateDclmDocuments(files ?? pool)) {
    const {text: _text, url, ...rest} = doc.record
    yield {benchmark: 'dclm', uid: doc.id, text: doc.text, url: typeof url === 'string' ? url : '', metadata: rest}
  }
}
