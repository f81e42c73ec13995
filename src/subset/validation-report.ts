import type {Benchmark} from '../benchmarks/benchmark.js'
import type {UidIndexHeader} from '../pool/uid-index.js'
import type {ScaleRecipe} from '../tracks/recipe.js'
import {count} from '../ui/plural.js'
import {MAX_USEFUL_EPOCHS, type EpochReport} from './epochs.js'
import type {InvalidRepeat, SubsetFileInfo, SubsetFormat} from './read.js'
import type {Descent, RepetitionStats, ScanResult} from './scan.js'

export interface SubsetValidationReport {
  file: string
  format: SubsetFormat
  bytes: number
  /** The benchmark's id. */
  benchmark: string
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

export interface ReportInputs {
  /** Where a sorted copy of the subset was written (`--sort`), if asked. */
  sortOut: string | undefined
  info: SubsetFileInfo
  benchmark: Benchmark
  recipe: ScaleRecipe
  index: UidIndexHeader | undefined
  scan: ScanResult
  descent: Descent | undefined
  invalidRepeats: InvalidRepeat[]
  invalidRepeatCount: number
  seconds: number
}

/** The report of a finished scan: every reason the subset is invalid, warnings, and the facts. */
export function buildReport(inputs: ReportInputs): SubsetValidationReport {
  const {sortOut, info, benchmark, recipe, index, scan, descent, seconds} = inputs
  const reasons: string[] = []
  const warnings = [...info.warnings]
  const binary = info.format === 'npy' || info.format === 'raw'
  const what = benchmark.nouns.ids

  if (descent) {
    const where = `record ${descent.record} (${descent.uid}) is smaller than record ${descent.record - 1} (${descent.previous})`
    if (!binary) {
      // tables have no order requirement: they are sorted when converted
    } else if (sortOut) {
      warnings.push(`not in ascending order: ${where}; the sorted copy ${sortOut} is what the resharder needs`)
    } else {
      reasons.push(`not in ascending order: ${where} — the resharder binary-searches the file and would silently drop matches (write a sorted copy with --sort OUT)`)
    }
  }
  if (scan.records === 0) reasons.push(`empty: the subset selects no samples`)

  let poolSize: number | null = null
  let poolSizeSource: SubsetValidationReport['poolSizeSource'] = 'unknown'
  const declared = benchmark.subset.declaredPoolSize(recipe)
  if (declared !== undefined) {
    poolSize = declared
    poolSizeSource = 'tracks pool_size'
    if (index && index.unique !== poolSize) {
      warnings.push(`the pool index has ${index.unique} distinct ${what} but the ${recipe.scale} pool has ${poolSize} (tracks pool_size): is it this scale's pool?`)
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
      `${strangers.unique} distinct ${strangers.unique === 1 ? benchmark.nouns.id : what} (${count(strangers.records, benchmark.nouns.record, benchmark.nouns.records)}) ${strangers.unique === 1 ? 'is' : 'are'} not in the pool index ${index?.path}; first: ${strangers.examples.slice(0, 3).join(', ')}`,
    )
  }
  if (!index) warnings.push('no pool index given: pool membership not checked')

  if (inputs.invalidRepeatCount > 0) {
    const first = inputs.invalidRepeats[0] as InvalidRepeat
    reasons.push(`${inputs.invalidRepeatCount} rows have a repeat that is not a non-negative integer; first: ${first.where}: ${JSON.stringify(typeof first.value === 'bigint' ? String(first.value) : first.value)}`)
  }

  const epochs = benchmark.subset.epochs(recipe, scan.records, index)
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
    benchmark: benchmark.id,
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
    ...(sortOut ? {sortedCopy: sortOut} : {}),
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
