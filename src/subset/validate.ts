import {DcbError} from '../errors.js'
import {readUidIndexHeader, sortUidStream, UID_RECORD_BYTES, type UidIndexHeader} from '../pool/index.js'
import {getRecipe, type Benchmark} from '../tracks/index.js'
import type {ProgressListener} from '../ui/progress.js'
import {readRecordChunks} from './chunks.js'
import {FileRangeDigest, worthParallelDigest} from './file-digest.js'
import {inspectSubset, readSubsetRecords, type InvalidRepeat, type SubsetFileInfo, type SubsetFormat} from './read.js'
import type {RecordBufferPair} from './scan-kernel.js'
import {SubsetScanner, type Descent, type RepetitionStats, type ScanResult} from './scan.js'
import {writeSubset} from './write.js'

/**
 * `bench subset validate` as a library function. Every check of a participant subset against a
 * benchmark scale and its pool index, in one streamed pass (two when the file is not sorted):
 * memory stays flat in the subset size. Stable API (docs/pools-and-subsets.md): `bench quickstart`
 * and `bench reshard` call `validateSubset`.
 */

export interface ValidateSubsetOptions {
  /** The subset: .npy, raw, .parquet or .csv (see read.ts). */
  file: string
  benchmark: string
  scale: string
  /**
   * The pool's `.uidx` (`bench pool index`). Without it pool membership is not checked (the report
   * says so: `membership.checked = false`).
   */
  poolIndex?: string
  /**
   * Write the subset, in ascending order, to this path (format from its extension, see
   * `subsetFormatForPath`), atomically. An npy/raw file out of order is then not invalid.
   */
  sortOut?: string
  /** Strangers (uids not in the pool) listed as examples. Default 10. */
  maxExamples?: number
  /** Memory for sorting an unsorted file (default 1 GiB; beyond it sorted runs go to disk). */
  memoryBytes?: number
  /** Folder for sorted runs (default: the OS temp folder). */
  tmpDir?: string
  /** Another tracks folder (tests). */
  tracksDir?: string
  /** Records per read (default DEFAULT_CHUNK_RECORDS). */
  chunkRecords?: number
  /**
   * Hash an .npy/raw file's fingerprint in a worker thread beside the scan. Default: for files of
   * PARALLEL_DIGEST_MIN_BYTES and more, on a machine with more than one core.
   */
  hashInWorker?: boolean
  onProgress?: ProgressListener
}

/** What the epochs implied by the scale's budget are. */
export interface EpochReport {
  /** DataComp: samples seen; DCLM: training tokens. */
  budgetKind: 'samples_seen' | 'tokens'
  budget: number
  /** Passes over the subset the budget implies; null when it cannot be known from the file. */
  epochs: number | null
  /** true when `epochs` rests on an assumption (DCLM: the pool's mean document length). */
  estimated: boolean
  note?: string
}

export interface SubsetValidationReport {
  file: string
  format: SubsetFormat
  bytes: number
  benchmark: Benchmark
  scale: string
  /** No reasons. */
  valid: boolean
  /** Why the subset is invalid, one line each (exit 1). */
  reasons: string[]
  /** Things worth knowing that do not make it invalid. */
  warnings: string[]
  /** Distinct uids (DCLM: documents) selected. */
  count: number
  /** Records with repeats: the samples (documents) one pass over the subset uses. */
  samplesPerPass: number
  /** The scale's pool: DataComp `pool_size` from the tracks file; DCLM: distinct ids in the pool index. */
  poolSize: number | null
  poolSizeSource: 'tracks pool_size' | 'pool index' | 'unknown'
  /** count / poolSize. */
  fractionOfPool: number | null
  /** Whether the file itself is in ascending uid order (required for npy/raw: the resharder binary-searches it). */
  sortedInFile: boolean
  /** The first record out of order, when not sorted. */
  firstUnsorted?: Descent
  /** Where the sorted copy went (--sort). */
  sortedCopy?: string
  repetition: RepetitionStats
  membership: {
    checked: boolean
    index?: {path: string; kind: string; count: number; unique: number; sha256: string}
    /** Distinct uids not in the pool. */
    strangers: number
    /** Their records, with repeats. */
    strangerSamples: number
    examples: string[]
  }
  /** Table rows whose repeat is not a non-negative integer (they make the subset invalid). */
  invalidRepeats: {count: number; examples: InvalidRepeat[]}
  epochs: EpochReport
  /** sha256 of the canonical sorted uid list (docs/pools-and-subsets.md): equal for the same subset in any format. */
  fingerprint: string
  seconds: number
  /** File bytes and records per second of wall time. */
  throughput: {bytesPerSecond: number; uidsPerSecond: number}
}

/** Past this many passes over a subset, the repetition paper finds repeated data losing value. */
export const MAX_USEFUL_EPOCHS = 10

/** Thrown inside a generator to abandon a first pass that found records out of order. */
class Unsorted extends Error {}

/** Validates a subset: see the module comment and `SubsetValidationReport`. Usage/format problems throw a DcbError (exit 2). */
export async function validateSubset(options: ValidateSubsetOptions): Promise<SubsetValidationReport> {
  const started = performance.now()
  const recipe = getRecipe({benchmark: options.benchmark, scale: options.scale, tracksDir: options.tracksDir})
  const info = await inspectSubset(options.file)
  const index = options.poolIndex === undefined ? undefined : await readUidIndexHeader(options.poolIndex)
  if (index && index.kind !== recipe.benchmark) {
    throw new DcbError(
      'DCB_POOL_INDEX',
      `pool index ${index.path}: holds ${index.kind === 'dclm' ? 'DCLM document ids' : 'DataComp uids'}, but the subset is validated for ${recipe.benchmark}`,
      {suggestions: [`index the ${recipe.benchmark} pool with \`bench pool index\``]},
    )
  }
  const invalidRepeats: InvalidRepeat[] = []
  let invalidRepeatCount = 0
  const readOptions = {
    chunkRecords: options.chunkRecords,
    onInvalidRepeat: (problem: InvalidRepeat) => {
      invalidRepeatCount++
      if (invalidRepeats.length < (options.maxExamples ?? 10)) invalidRepeats.push(problem)
    },
  }
  const total = info.records
  let done = 0
  const progress = (records: number): void => {
    done += records
    options.onProgress?.({done, total})
  }

  const newScanner = (digest?: FileRangeDigest): SubsetScanner =>
    new SubsetScanner({index: index && ((buffers) => indexRecords(index, options.chunkRecords, buffers)), maxExamples: options.maxExamples, chunkRecords: options.chunkRecords, digest})
  const pass = (records: AsyncIterable<Uint32Array>, scanner: SubsetScanner, onDisorder: () => Error): Promise<ScanResult> =>
    scanPass({records, scanner, onDisorder, progress, sortOut: options.sortOut, idColumn: info.idColumn})

  // Pass 1: in file order. Sorted files (the normal case) are done after it.
  let scan: ScanResult | undefined
  let descent: Descent | undefined
  const inFileOrder = newScanner(parallelDigest(info, options.hashInWorker))
  try {
    scan = await pass(fileRecords(info, readOptions, options.chunkRecords, inFileOrder.subsetBuffers), inFileOrder, () => new Unsorted())
  } catch (error) {
    if (!(error instanceof Unsorted)) throw error
    descent = inFileOrder.descent
  }

  // Pass 2, only for a file out of order: sort (in bounded memory, spilling runs to disk) and scan again.
  if (!scan) {
    invalidRepeats.length = 0
    invalidRepeatCount = 0
    done = 0
    const sorted = sortUidStream(readSubsetRecords(info, readOptions), {memoryBytes: options.memoryBytes, tmpDir: options.tmpDir})
    scan = await pass(sorted, newScanner(), () => new Error('sorted stream out of order'))
  }

  return buildReport({options, info, recipe, index, scan, descent, invalidRepeats, invalidRepeatCount, seconds: (performance.now() - started) / 1000})
}

/**
 * One scan of a record stream: feeds the scanner (throwing `onDisorder()` at the first record out of
 * order), reports progress and, with `sortOut`, writes the records as they pass. Closes the scanner.
 */
async function scanPass(pass: {
  records: AsyncIterable<Uint32Array>
  scanner: SubsetScanner
  onDisorder: () => Error
  progress: (records: number) => void
  sortOut?: string
  idColumn: SubsetFileInfo['idColumn']
}): Promise<ScanResult> {
  const {scanner} = pass
  const scanned = async function* (): AsyncGenerator<Uint32Array> {
    for await (const chunk of pass.records) {
      if (!(await scanner.add(chunk))) throw pass.onDisorder()
      pass.progress(chunk.length / 4)
      yield chunk
    }
  }
  try {
    if (pass.sortOut) await writeSubset({out: pass.sortOut, records: scanned(), idColumn: pass.idColumn})
    else await drain(scanned())
    return await scanner.finish()
  } finally {
    await scanner.close()
  }
}

/** An .npy/raw file's records' sha256, hashed by a worker beside the scan — when asked, or when worth it. */
function parallelDigest(info: SubsetFileInfo, asked: boolean | undefined): FileRangeDigest | undefined {
  if (info.format !== 'npy' && info.format !== 'raw') return undefined
  const length = (info.records ?? 0) * UID_RECORD_BYTES
  return (asked ?? worthParallelDigest(length)) ? new FileRangeDigest({path: info.path, offset: info.npy?.dataOffset ?? 0, length}) : undefined
}

/** The records of a pool index, read ahead in chunks into the scanner's buffers. */
function indexRecords(index: UidIndexHeader, chunkRecords: number | undefined, buffers: RecordBufferPair): AsyncIterable<Uint32Array> {
  return readRecordChunks({path: index.path, offset: index.dataOffset, count: index.count, chunkRecords, buffers, errorCode: 'DCB_POOL_INDEX', describe: `pool index ${index.path}`})
}

async function drain(source: AsyncIterable<unknown>): Promise<void> {
  const iterator = source[Symbol.asyncIterator]()
  while (!(await iterator.next()).done);
}

/** The records of a file in file order: npy/raw read ahead in chunks (into `buffers`), tables through the table reader. */
function fileRecords(info: SubsetFileInfo, readOptions: Parameters<typeof readSubsetRecords>[1], chunkRecords: number | undefined, buffers: RecordBufferPair): AsyncIterable<Uint32Array> {
  if (info.format === 'npy' || info.format === 'raw') {
    return readRecordChunks({path: info.path, offset: info.npy?.dataOffset ?? 0, count: info.records ?? 0, chunkRecords, buffers, describe: `subset ${info.path}`})
  }
  return readSubsetRecords(info, readOptions)
}

interface ReportInputs {
  options: ValidateSubsetOptions
  info: SubsetFileInfo
  recipe: ReturnType<typeof getRecipe>
  index: UidIndexHeader | undefined
  scan: ScanResult
  descent: Descent | undefined
  invalidRepeats: InvalidRepeat[]
  invalidRepeatCount: number
  seconds: number
}

function buildReport(inputs: ReportInputs): SubsetValidationReport {
  const {options, info, recipe, index, scan, descent, seconds} = inputs
  const reasons: string[] = []
  const warnings = [...info.warnings]
  const binary = info.format === 'npy' || info.format === 'raw'
  const what = recipe.benchmark === 'dclm' ? 'document ids' : 'uids'

  if (descent) {
    const where = `record ${descent.record} (${descent.uid}) is smaller than record ${descent.record - 1} (${descent.previous})`
    if (!binary) {
      // tables have no order requirement: they are sorted when converted
    } else if (options.sortOut) {
      warnings.push(`not in ascending order: ${where}; the sorted copy ${options.sortOut} is what the resharder needs`)
    } else {
      reasons.push(`not in ascending order: ${where} — the resharder binary-searches the file and would silently drop matches (write a sorted copy with --sort OUT)`)
    }
  }
  if (scan.records === 0) reasons.push(`empty: the subset selects no samples`)

  let poolSize: number | null = null
  let poolSizeSource: SubsetValidationReport['poolSizeSource'] = 'unknown'
  if (recipe.benchmark === 'datacomp') {
    poolSize = recipe.recipe.pool_size
    poolSizeSource = 'tracks pool_size'
    if (index && index.unique !== poolSize) {
      warnings.push(`the pool index has ${index.unique} distinct uids but the ${recipe.scale} pool has ${poolSize} (tracks pool_size): is it this scale's pool?`)
    }
  } else if (index) {
    poolSize = index.unique
    poolSizeSource = 'pool index'
  }
  if (poolSize !== null && scan.unique > poolSize) {
    reasons.push(`${scan.unique} distinct ${what} exceed the ${recipe.scale} pool of ${poolSize} (${poolSizeSource})`)
  }

  const strangers = scan.strangers
  if (strangers && strangers.unique > 0) {
    reasons.push(
      `${strangers.unique} distinct ${what} (${strangers.records} samples) are not in the pool index ${index?.path}; first: ${strangers.examples.slice(0, 3).join(', ')}`,
    )
  }
  if (!index) warnings.push('no pool index given: pool membership not checked')

  if (inputs.invalidRepeatCount > 0) {
    const first = inputs.invalidRepeats[0] as InvalidRepeat
    reasons.push(`${inputs.invalidRepeatCount} rows have a repeat that is not a non-negative integer; first: ${first.where}: ${JSON.stringify(typeof first.value === 'bigint' ? String(first.value) : first.value)}`)
  }

  const epochs = epochReport(recipe, scan.records, index)
  if (epochs.epochs !== null && epochs.epochs > MAX_USEFUL_EPOCHS) {
    warnings.push(
      `${epochs.estimated ? 'about ' : ''}${formatEpochs(epochs.epochs)} epochs over the subset (${epochs.budgetKind} ${epochs.budget} / ${scan.records} per pass): past ${MAX_USEFUL_EPOCHS} epochs repeated data is worth little (Muennighoff et al., 2023)`,
    )
  }
  if (epochs.note) warnings.push(epochs.note)

  return {
    file: info.path,
    format: info.format,
    bytes: info.bytes,
    benchmark: recipe.benchmark,
    scale: recipe.scale,
    valid: reasons.length === 0,
    reasons,
    warnings,
    count: scan.unique,
    samplesPerPass: scan.records,
    poolSize,
    poolSizeSource,
    fractionOfPool: poolSize ? scan.unique / poolSize : null,
    sortedInFile: descent === undefined,
    ...(descent ? {firstUnsorted: descent} : {}),
    ...(options.sortOut ? {sortedCopy: options.sortOut} : {}),
    repetition: scan.repetition,
    membership: {
      checked: index !== undefined,
      ...(index ? {index: {path: index.path, kind: index.kind, count: index.count, unique: index.unique, sha256: index.sha256}} : {}),
      strangers: strangers?.unique ?? 0,
      strangerSamples: strangers?.records ?? 0,
      examples: strangers?.examples ?? [],
    },
    invalidRepeats: {count: inputs.invalidRepeatCount, examples: inputs.invalidRepeats.map((r) => ({where: r.where, value: typeof r.value === 'bigint' ? String(r.value) : r.value}))},
    epochs,
    fingerprint: scan.sha256,
    seconds,
    throughput: {bytesPerSecond: seconds > 0 ? info.bytes / seconds : 0, uidsPerSecond: seconds > 0 ? scan.records / seconds : 0},
  }
}

function formatEpochs(epochs: number): string {
  return epochs >= 100 ? epochs.toFixed(0) : epochs.toFixed(1)
}

/** Parses a tracks `info.pool_tokens` like "137B" or "1.64T". */
export function parseTokenCount(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined
  const match = /^(\d+(?:\.\d+)?)\s*([KMBT]?)$/i.exec(text.trim())
  if (!match) return undefined
  const scale = {'': 1, K: 1e3, M: 1e6, B: 1e9, T: 1e12}[(match[2] as string).toUpperCase()] as number
  return Number(match[1]) * scale
}

function epochReport(recipe: ReturnType<typeof getRecipe>, samplesPerPass: number, index: UidIndexHeader | undefined): EpochReport {
  if (recipe.benchmark === 'datacomp') {
    const budget = recipe.recipe.samples_seen
    return {budgetKind: 'samples_seen', budget, epochs: samplesPerPass > 0 ? budget / samplesPerPass : null, estimated: false}
  }
  const budget = recipe.derived.tokens
  // A document id list says nothing about document lengths: the exact epochs need the tokenized
  // subset. With the scale's pool size in tokens and the pool index's document count, the pool's
  // mean document length gives an estimate.
  const poolTokens = parseTokenCount(recipe.info.pool_tokens)
  if (poolTokens && index && index.unique > 0 && samplesPerPass > 0) {
    const tokensPerPass = (samplesPerPass * poolTokens) / index.unique
    return {
      budgetKind: 'tokens',
      budget,
      epochs: budget / tokensPerPass,
      estimated: true,
      note: `epochs estimated from the pool's mean document length (${recipe.info.pool_tokens as string} tokens / ${index.unique} documents); document lengths are only known after tokenizing`,
    }
  }
  return {
    budgetKind: 'tokens',
    budget,
    epochs: null,
    estimated: false,
    note: `epochs unknown: a document id list does not say how many tokens its documents hold (budget ${budget} tokens over ${samplesPerPass} documents per pass; tokenizing the subset gives the exact number)`,
  }
}
