import type {FindingSink} from './findings.js'
import type {Boilerplate, ContaminationMethod} from './report.js'

/**
 * What a benchmark's adapter implements for `bench subset contamination` (its optional
 * `contamination` member): read its eval suite's items, index them (cached), and check the records
 * of a pool or of training data against them, reporting each item found to the sink. The generic
 * part — subsets, settings, the report and its file — is check.ts.
 */
export interface ContaminationSpec {
  /** The methods it checks with, in report order. */
  readonly methods: readonly ContaminationMethod[]
  /** The settings it reads (keys of ContaminationSettings), for the report. */
  readonly settings: readonly (keyof ContaminationSettings)[]
  run(context: ContaminationContext): Promise<ContaminationRun>
}

/** Every setting any method reads; flags of `bench subset contamination`. */
export interface ContaminationSettings {
  /** Text: n of the word n-grams. */
  ngram: number
  /** Text: examples with fewer words are not checked. */
  minWords: number
  /** Text: an n-gram in more than this fraction of a task's examples is boilerplate. */
  boilerplate: number
  /** Images: largest Hamming distance of perceptual hashes that counts as a near duplicate. */
  hamming: number
}

/** Where the records to check come from. */
export type RecordSource =
  | {
      kind: 'pool'
      dir: string
      /** Only records whose id this accepts (a subset); all when absent. */
      keep?: (id: string) => boolean
      /** Records expected (the subset's distinct ids), for progress. */
      total?: number
    }
  | {kind: 'train-data'; dir: string}

/** Progress of a check: the eval side being read or built, then records checked. */
export type ContaminationProgress =
  | {kind: 'eval'; done: number; total: number; detail?: string}
  | {kind: 'records'; done: number; total?: number; flagged: number}
  | {kind: 'note'; message: string}

export interface ContaminationContext {
  /** The suite whose data is checked (one of the benchmark's `eval.suites`). */
  suite: string
  /** The eval data folder (as `bench eval --data`). */
  dataDir: string
  /** Task keys to check (default: the whole suite). */
  tasks?: string[]
  /** Skip tasks whose data is absent (listed in the report) instead of failing. */
  allowMissing: boolean
  settings: ContaminationSettings
  source: RecordSource
  /** Folder of the eval-index cache; undefined: no cache. */
  cacheDir: string | undefined
  sink: FindingSink
  onProgress?: (event: ContaminationProgress) => void
}

/** What a check found beyond the sink's counts. */
export interface ContaminationRun {
  /** Text checks: per task, the boilerplate n-grams dropped. */
  boilerplate: Record<string, Boilerplate>
  missingTasks: {task: string; expected: string}[]
  /** Records checked. */
  records: number
  /** The subset fingerprint the training data's manifest names (train-data). */
  fingerprint?: string
  notes: string[]
}
