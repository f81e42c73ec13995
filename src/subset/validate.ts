import {DcbError} from '../errors.js'
import {checkUidIndexDigest, readUidIndexHeader, sortUidStream, UID_RECORD_BYTES, type UidIndexHeader} from '../pool/index.js'
import {getBenchmark} from '../benchmarks/registry.js'
import {getRecipe} from '../tracks/registry.js'
import type {ProgressListener} from '../ui/progress.js'
import {readRecordChunks} from './chunks.js'
import {FileRangeDigest, worthParallelDigest} from './file-digest.js'
import {inspectSubset, readSubsetRecords, type InvalidRepeat, type SubsetFileInfo} from './read.js'
import {recordLimitOf} from './scale-limit.js'
import type {RecordBufferPair} from './scan-kernel.js'
import {SubsetScanner, type Descent, type ScanResult} from './scan.js'
import {buildReport, type SubsetValidationReport} from './validation-report.js'
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

/** Thrown inside a generator to abandon a first pass that found records out of order. */
class Unsorted extends Error {}

/** Validates a subset: see the module comment and `SubsetValidationReport`. Usage/format problems throw a DcbError (exit 2). */
export async function validateSubset(options: ValidateSubsetOptions): Promise<SubsetValidationReport> {
  const started = performance.now()
  const benchmark = getBenchmark(options.benchmark)
  const recipe = getRecipe({benchmark: options.benchmark, scale: options.scale, tracksDir: options.tracksDir})
  const index = options.poolIndex === undefined ? undefined : await readUidIndexHeader(options.poolIndex)
  // Every record of the index against the sha256 its header stores, hashed by a worker beside the
  // scan: the merge-join may stop reading the index early, the check never does.
  const indexDigest = index && new FileRangeDigest({path: index.path, offset: index.dataOffset, length: index.count * UID_RECORD_BYTES})
  try {
    return await validateAgainst(options, {benchmark, recipe, index, indexDigest, started})
  } finally {
    await indexDigest?.cancel()
  }
}

async function validateAgainst(
  options: ValidateSubsetOptions,
  context: {benchmark: ReturnType<typeof getBenchmark>; recipe: ReturnType<typeof getRecipe>; index: UidIndexHeader | undefined; indexDigest: FileRangeDigest | undefined; started: number},
): Promise<SubsetValidationReport> {
  const {benchmark, recipe, index, started} = context
  const info = await inspectSubset(options.file, {recordLimit: recordLimitOf(recipe)})
  if (index && index.kind !== benchmark.id) {
    const held = getBenchmark(index.kind)
    throw new DcbError(
      'DCB_POOL_INDEX',
      `pool index ${index.path}: holds ${held.title} ${held.nouns.ids}, but the subset is validated for ${benchmark.id}`,
      {suggestions: [`index the ${benchmark.id} pool with \`bench pool index\``]},
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

  if (index && context.indexDigest) checkUidIndexDigest(index, await context.indexDigest.digest())
  return buildReport({sortOut: options.sortOut, info, benchmark, recipe, index, scan, descent, invalidRepeats, invalidRepeatCount, seconds: (performance.now() - started) / 1000})
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

