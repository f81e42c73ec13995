import {closeSync, existsSync, fstatSync, openSync, readFileSync, readSync} from 'node:fs'
import {join} from 'node:path'

import {readTarSamples, splitMemberName, TarFormatError} from '../../contracts/webdataset.js'
import {DcbError} from '../../errors.js'

/** One webdataset sample: members of consecutive tar entries sharing a key, by lower-cased extension. */
export interface WdsSample {
  key: string
  members: Map<string, Buffer>
  /** Shard file it came from. */
  shard: string
}

/** A test set in DataComp's eval layout (spec §4.3). */
export interface EvalDatasetLayout {
  dir: string
  /** Class names (classnames.txt: lines stripped, blank lines dropped); empty for retrieval. */
  classnames: string[]
  /** Zero-shot templates with `{c}` (zeroshot_classification_templates.txt). */
  templates: string[]
  /** dataset_type.txt: absent ⇒ classification. */
  type: string
  /** test/0.tar … test/{N-1}.tar (N from test/nshards.txt). */
  shards: string[]
}

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

/** Reads the layout of one downloaded test set, naming what is missing. */
export function readEvalDataset(dir: string): EvalDatasetLayout {
  const nshardsFile = join(dir, 'test', 'nshards.txt')
  if (!existsSync(nshardsFile)) throw new DcbError('DCB_EVAL_DATA', `${nshardsFile}: not found; expected the DataComp eval layout (test/nshards.txt + test/<i>.tar)`, {suggestions: ['bench eval fetch downloads it']})
  const text = readFileSync(nshardsFile, 'utf8').trim()
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new DcbError('DCB_EVAL_DATA', `${nshardsFile}: expected a positive integer, got '${text}'`)
  const shards = Array.from({length: n}, (_, i) => join(dir, 'test', `${i}.tar`))
  const missing = shards.filter((s) => !existsSync(s))
  if (missing.length > 0) throw new DcbError('DCB_EVAL_DATA', `${dir}: ${missing.length} of ${n} shards missing (first: ${missing[0]})`)
  const optional = (name: string) => (existsSync(join(dir, name)) ? readLines(join(dir, name)) : [])
  const type = existsSync(join(dir, 'dataset_type.txt')) ? readFileSync(join(dir, 'dataset_type.txt'), 'utf8').trim() : 'classification'
  return {dir, classnames: optional('classnames.txt'), templates: optional('zeroshot_classification_templates.txt'), type, shards}
}

/** Streams the samples of tar shards in order, as webdataset groups them (consecutive entries with one key). */
export async function* readWdsSamples(shards: readonly string[]): AsyncGenerator<WdsSample> {
  for (const shard of shards) {
    try {
      for await (const sample of readTarSamples(shard)) yield {...sample, shard}
    } catch (error) {
      if (error instanceof DcbError) throw error
      const problem = error instanceof TarFormatError ? error.message : `not a readable tar (${(error as Error).message})`
      throw new DcbError('DCB_EVAL_DATA', `${shard}: ${problem}`)
    }
  }
}

/** The image member of a sample, by clip_benchmark's preference order. */
export function sampleImage(sample: WdsSample): Buffer {
  for (const ext of ['webp', 'png', 'jpg', 'jpeg']) {
    const data = sample.members.get(ext)
    if (data) return data
  }
  throw new DcbError('DCB_EVAL_DATA', `${sample.shard}: sample '${sample.key}' has no webp/png/jpg/jpeg member (has ${[...sample.members.keys()].join(', ')})`)
}

/** The integer `cls` member. */
export function sampleClass(sample: WdsSample): number {
  const raw = sample.members.get('cls')?.toString('utf8').trim()
  const value = Number(raw)
  if (raw === undefined || raw === '' || !Number.isInteger(value)) {
    throw new DcbError('DCB_EVAL_DATA', `${sample.shard}: sample '${sample.key}': cls ${raw === undefined ? 'missing' : `'${raw}' is not an integer`}`)
  }
  return value
}

/**
 * Number of samples in tar shards, read from the tar headers only (file contents are skipped, so a
 * 1 GB shard costs a few thousand small reads): consecutive regular files sharing a webdataset key
 * make one sample, as readWdsSamples groups them. Understands ustar prefixes, GNU long names and pax
 * `path` records.
 */
export function countWdsSamples(shards: readonly string[]): number {
  let samples = 0
  for (const shard of shards) {
    const fd = openSync(shard, 'r')
    try {
      const size = fstatSync(fd).size
      const header = Buffer.alloc(512)
      let offset = 0
      let lastKey: string | undefined
      let longName: string | undefined
      while (offset + 512 <= size) {
        readSync(fd, header, 0, 512, offset)
        if (header.every((b) => b === 0)) break
        const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '')
        const bytes = Number.parseInt(field(124, 12).trim() || '0', 8)
        if (!Number.isFinite(bytes) || bytes < 0) throw new DcbError('DCB_EVAL_DATA', `${shard}: not a readable tar (bad size field at offset ${offset})`)
        const type = String.fromCharCode(header[156] ?? 0)
        const body = offset + 512
        offset = body + Math.ceil(bytes / 512) * 512
        if (type === 'L' || type === 'x') {
          const data = Buffer.alloc(bytes)
          readSync(fd, data, 0, bytes, body)
          const text = data.toString('utf8')
          longName = type === 'L' ? text.replace(/\0.*$/s, '') : /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? longName
          continue
        }
        const prefix = field(345, 155)
        const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
        longName = undefined
        if (type !== '0' && type !== '\0') continue
        const parts = splitMemberName(name)
        if (!parts) continue
        if (parts.key !== lastKey) samples++
        lastKey = parts.key
      }
    } finally {
      closeSync(fd)
    }
  }
  return samples
}
