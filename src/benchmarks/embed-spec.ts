/**
 * What `bench embed` (src/embed/) needs of a benchmark's pools: the parts an embedding file is
 * written for, and each record's input. The files follow the one layout src/pool/npz.ts reads:
 * `<stem>.npz` per part, one row per record in the part's record order (docs/contracts.md).
 */
export interface EmbedSpec {
  /** The pool's parts in order (DataComp: the metadata parquets; DCLM: the documents files). */
  parts(pool: string): Promise<EmbedPart[]>
  /**
   * The inputs of the records of the parts in `wanted` (indexes into `parts`), each with its part and
   * row, in any order; and one `size` item per wanted part once its row count is known (before or
   * after its records). Refuses, in one line, a pool that has no input of `kind`.
   */
  inputs(pool: string, parts: readonly EmbedPart[], kind: EmbedInputKind, wanted: ReadonlySet<number>): AsyncGenerator<EmbedItem>
}

/** One part of a pool: its embedding file is `<stem>.npz`. */
export interface EmbedPart {
  stem: string
  /** The file the part's records come from (its size goes into the output folder's pool fingerprint). */
  source: string
  bytes: number
}

/** What a tower reads: images (DataComp's shard images) or text (captions, documents). */
export type EmbedInputKind = 'image' | 'text'

/** A record's input, or the row count of a part. */
export type EmbedItem =
  | {kind: 'record'; part: number; row: number; image?: Uint8Array; text?: string}
  | {kind: 'size'; part: number; rows: number}
