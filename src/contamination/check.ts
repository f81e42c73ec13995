import {stat} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'

import {getBenchmark} from '../benchmarks/registry.js'
import {DcbError, unknownChoice} from '../errors.js'
import {defaultDataDir} from '../hub/cache.js'
import {loadSubset} from '../subset/index.js'
import {writeAtomically} from '../util/atomic-write.js'
import {harnessVersion} from '../util/paths.js'
import {defaultCacheDir} from './cache.js'
import {FindingSink} from './findings.js'
import {DEFAULT_NGRAM_SETTINGS} from './ngram-build.js'
import {CONTAMINATION_FORMAT, writeReportFile, type ContaminationReport} from './report.js'
import type {ContaminationProgress, ContaminationSettings, RecordSource} from './spec.js'

/**
 * The defaults of every setting. The perceptual-hash distance is the largest at which two different
 * images match in at most 0.1 % of pairs (0.059 % at 12 on 1,025 natural images), which is also where
 * JPEG re-encoding, resizing and crops of up to 10 % per side are found (bench/README.md).
 */
export const DEFAULT_CONTAMINATION_SETTINGS: ContaminationSettings = {
  ngram: DEFAULT_NGRAM_SETTINGS.n,
  minWords: DEFAULT_NGRAM_SETTINGS.minWords,
  boilerplate: DEFAULT_NGRAM_SETTINGS.boilerplate,
  hamming: 12,
}

/** The subset argument that checks every record of the pool. */
export const WHOLE_POOL = 'all'

export interface CheckContaminationOptions {
  benchmark: string
  /** A subset file (.npy, raw, .parquet, .csv) of pool ids, or `all`; ignored with `trainData`. */
  subset?: string
  pool?: string
  /** A training-data folder written by `bench reshard`, checked instead of pool records. */
  trainData?: string
  /** Eval data folder (default: $DCBENCH_DATA or ~/.cache/dcbench/eval). */
  dataDir?: string
  /** The suite (default: the benchmark's first, its official one). */
  suite?: string
  tasks?: string[]
  allowMissing?: boolean
  settings?: Partial<ContaminationSettings>
  /** Where to write the full report (JSON); nothing is written without it. */
  out?: string
  /** Index cache folder; false: no cache (default: defaultCacheDir()). */
  cacheDir?: string | false
  /** Findings kept in the returned report (the file holds all of them). */
  maxFindings?: number
  onProgress?: (event: ContaminationProgress) => void
}

/** The report, with `findings` cut to `maxFindings`. */
export interface CheckContaminationResult {
  report: ContaminationReport
  /** The report file written, if `out` was given. */
  out?: string
}

/**
 * `bench subset contamination`: which eval items (DCLM examples, DataComp images and captions) a
 * subset of a pool, a whole pool, or resharded training data holds. The benchmark's adapter does the
 * checking (its `contamination` member); this function reads the subset, checks the options, and
 * writes the report (temp file + rename: a failed check leaves no report behind).
 */
export async function checkContamination(options: CheckContaminationOptions): Promise<CheckContaminationResult> {
  const benchmark = getBenchmark(options.benchmark)
  const spec = benchmark.contamination
  if (!spec) {
    throw new DcbError('DCB_NOT_AVAILABLE', `${benchmark.title} has no contamination check (its adapter has no contamination member)`, {
      suggestions: ['add one to its adapter (docs/adding-a-benchmark.md)'],
    })
  }
  const suite = options.suite ?? benchmark.eval.suites[0]!
  if (!benchmark.eval.suites.includes(suite)) throw unknownChoice(`${benchmark.title} eval suite`, suite, benchmark.eval.suites)
  const settings = checkSettings({...DEFAULT_CONTAMINATION_SETTINGS, ...options.settings})
  const {source, subset} = await resolveSource(options)
  if (options.out) await assertWritableTarget(options.out)

  const sink = new FindingSink(options.maxFindings ?? 100, options.out ? dirname(resolve(options.out)) : undefined)
  try {
    const run = await spec.run({
      suite,
      dataDir: options.dataDir ?? defaultDataDir(),
      tasks: options.tasks,
      allowMissing: options.allowMissing ?? false,
      settings,
      source,
      cacheDir: options.cacheDir === false ? undefined : (options.cacheDir ?? defaultCacheDir()),
      sink,
      onProgress: options.onProgress,
    })
    const findingsFile = await sink.close()
    const tasks = sink.summaries().map((t) => ({...t, ...(run.boilerplate[t.task] ? {boilerplate: run.boilerplate[t.task]} : {})}))
    const report: Omit<ContaminationReport, 'findings'> = {
      format: CONTAMINATION_FORMAT,
      benchmark: benchmark.id,
      suite,
      source: {
        kind: options.trainData ? 'train-data' : subset ? 'subset' : 'pool',
        subset: subset ? {file: subset.path, format: subset.format, fingerprint: subset.fingerprint, size: subset.size, unique: subset.unique} : null,
        pool: options.trainData ? null : (options.pool ?? null),
        train_data: options.trainData ?? null,
        fingerprint: subset?.fingerprint ?? run.fingerprint ?? null,
        records: run.records,
      },
      methods: [...spec.methods],
      settings: Object.fromEntries(spec.settings.map((key) => [snake(key), settings[key]])),
      clean: sink.total === 0,
      records_flagged: sink.recordsFlagged,
      tasks,
      missing_tasks: run.missingTasks,
      notes: run.notes,
      findings_total: sink.total,
      harness_version: harnessVersion(),
    }
    if (options.out) {
      const out = options.out
      await writeAtomically(out, (temp) => writeReportFile(temp, report, findingsFile))
    }
    return {report: {...report, findings: sink.first}, ...(options.out ? {out: options.out} : {})}
  } finally {
    await sink.discard()
  }
}

function checkSettings(settings: ContaminationSettings): ContaminationSettings {
  const problems: string[] = []
  if (!Number.isInteger(settings.ngram) || settings.ngram < 1 || settings.ngram > 64) problems.push(`--ngram: expected an integer from 1 to 64, received ${settings.ngram}`)
  if (!Number.isInteger(settings.minWords) || settings.minWords < 1) problems.push(`--min-words: expected an integer ≥ 1, received ${settings.minWords}`)
  if (!(settings.boilerplate > 0 && settings.boilerplate <= 1)) problems.push(`--boilerplate: expected a fraction in (0, 1], received ${settings.boilerplate}`)
  if (!Number.isInteger(settings.hamming) || settings.hamming < 0 || settings.hamming > 20) problems.push(`--hamming: expected an integer from 0 to 20, received ${settings.hamming}`)
  if (problems.length > 0) throw new DcbError('DCB_USAGE', problems[0]!)
  return {...settings, minWords: Math.min(settings.minWords, settings.ngram)}
}

async function resolveSource(options: CheckContaminationOptions): Promise<{source: RecordSource; subset?: Awaited<ReturnType<typeof loadSubset>>}> {
  if (options.trainData) {
    if (options.subset && options.subset !== WHOLE_POOL) throw new DcbError('DCB_USAGE', `--train-data checks a training-data folder as a whole; give no subset file (received '${options.subset}'), or give 'all'`)
    if (options.pool) throw new DcbError('DCB_USAGE', '--train-data and --pool: give one of them (the training data already holds the selected records)')
    return {source: {kind: 'train-data', dir: options.trainData}}
  }
  if (!options.pool) throw new DcbError('DCB_USAGE', 'missing --pool POOL_DIR (or --train-data DIR for resharded training data)')
  if (!options.subset) throw new DcbError('DCB_USAGE', `missing the subset: a .npy, raw, .parquet or .csv file of pool ids, or '${WHOLE_POOL}' for the whole pool`)
  const poolInfo = await stat(options.pool).catch(() => undefined)
  if (!poolInfo) throw new DcbError('DCB_POOL_INPUT', `pool ${options.pool}: no such file or directory`)
  if (options.subset === WHOLE_POOL) return {source: {kind: 'pool', dir: options.pool}}
  const subset = await loadSubset(options.subset)
  return {source: {kind: 'pool', dir: options.pool, keep: (id) => subset.has(id), total: subset.unique}, subset}
}

/** Refuses an --out that cannot be written before any work is done. */
async function assertWritableTarget(out: string): Promise<void> {
  const info = await stat(out).catch(() => undefined)
  if (info?.isDirectory()) throw new DcbError('DCB_USAGE', `--out ${out}: is a folder; expected a file path for the report`)
  const parent = await stat(dirname(resolve(out))).catch(() => undefined)
  if (!parent?.isDirectory()) throw new DcbError('DCB_USAGE', `--out ${out}: the folder ${dirname(resolve(out))} does not exist`)
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}
