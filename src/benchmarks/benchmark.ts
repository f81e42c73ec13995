import type {z} from 'zod'

import type {ContaminationSpec} from '../contamination/spec.js'
import type {DcbError} from '../errors.js'
import type {BuiltinFilter, EmbeddingBatch} from '../filters/builtin-types.js'
import type {DataFilter, FilterContext, PoolRecord} from '../filters/filter.js'
import type {ModelCheck} from '../runner/model-checks.js'
import type {EpochReport} from '../subset/epochs.js'
import type {SubsetRecordLimit} from '../subset/record-limit.js'
import type {InfraPlan, RecipeBase, ScaleRecipe} from '../tracks/recipe.js'
import type {ProgressListener} from '../ui/progress.js'
import type {Shard} from '../util/shards.js'
import type {DownloadPlan} from './download-plan.js'
import type {EmbedSpec} from './embed-spec.js'
import type {PoolSpec} from './pool-spec.js'

export type {DownloadPlan} from './download-plan.js'
export type {EmbedInputKind, EmbedItem, EmbedPart, EmbedSpec} from './embed-spec.js'
export type {ImageShardWork, PoolDownloader, PoolDownloadOptions, PoolDownloadOutcome, PoolSourceType, PoolSpec, PoolSynthesizer, SynthesisEstimate, SynthesizedPool, SynthesizeOptions} from './pool-spec.js'

/**
 * Everything that differs between the competitions dcbench runs, in one object per benchmark
 * (docs/adding-a-benchmark.md). Commands and domain modules look the adapter up by id
 * (`getBenchmark`, src/benchmarks/registry.ts) and never branch on a benchmark's name.
 *
 * `R` is the benchmark's frozen recipe (its zod schema's output), `D` the numbers derived from it.
 * The optional parts are capabilities: a benchmark without `reshard` cannot be resharded, and the
 * commands that need it say so.
 */
export interface Benchmark<R extends RecipeBase = RecipeBase, D extends object = object> {
  /** `--benchmark` value, and the name written into every file (tracks, run.json, entries). */
  readonly id: string
  /** Display name (`DataComp`). */
  readonly title: string
  readonly nouns: BenchmarkNouns
  /** tracks/<id>.yaml: the frozen recipe of every scale. */
  readonly tracksFile: string
  readonly recipe: RecipeSpec<R, D>
  readonly pool: PoolSpec<R, D>
  readonly subset: SubsetSpec<R, D>
  readonly filter?: FilterSpec
  /** Computing a pool's embeddings with a participant's ONNX tower (`bench embed`). */
  readonly embed?: EmbedSpec
  readonly reshard?: ReshardSpec<R, D>
  readonly training?: TrainingSpec<R, D>
  readonly eval: EvalSpec<R, D>
  readonly leaderboard: LeaderboardSpec
  readonly scaling?: ScalingSpec<R, D>
  /** Overlap of a pool or training data with the eval suite (`bench subset contamination`). */
  readonly contamination?: ContaminationSpec
}

/** How messages and tables name the things of a pool. */
export interface BenchmarkNouns {
  /** One pool record (`sample`, `document`) and several. */
  record: string
  records: string
  /** What identifies a record (`uid`, `document id`) and several. */
  id: string
  ids: string
}

/** The frozen recipe: its schema, the numbers derived from it, and how tables summarise it. */
export interface RecipeSpec<R, D> {
  /** The merged recipe of one scale (`common` + the scale's own fields); strict, so a typo is refused. */
  schema: z.ZodType<R>
  derive(recipe: R): D
  /** The global batch that per-run infrastructure splits (samples or sequences). */
  globalBatchSize(recipe: R): number
  /** The gradient accumulation of the reference runs, the default of a split (1 unless the recipe says). */
  referenceGradAccum(recipe: R): number
  /** One line for `bench tracks list`: the model. */
  modelSummary(scale: ScaleRecipe<R, D>): string
  /** One line for `bench tracks list`: the budget and its cost. */
  computeSummary(scale: ScaleRecipe<R, D>): string
}

/** Subset semantics: how large the pool is and how many passes the budget makes. */
export interface SubsetSpec<R, D> {
  /** The pool size the recipe fixes (DataComp `pool_size`); undefined: the pool index's distinct ids. */
  declaredPoolSize(scale: ScaleRecipe<R, D>): number | undefined
  /** Passes over a subset of `samplesPerPass` records that the scale's budget implies. */
  epochs(scale: ScaleRecipe<R, D>, samplesPerPass: number, index: PoolIndexSummary | undefined): EpochReport
  /**
   * The most records (repeats counted) a subset of this scale can have trained on: its budget in
   * records. Readers refuse a file, a row's repeat count or a running total past it before reading
   * or allocating more (issue 17: the cap comes from the recipe).
   */
  recordBudget(scale: ScaleRecipe<R, D>): {records: number; /** The budget in the recipe's words: `samples_seen 64000`. */ budget: string}
}

/** What a pool's uid index (`.uidx`) says of the pool's size. */
export interface PoolIndexSummary {
  /** Records, and distinct ids. */
  count: number
  unique: number
}

/** What participants' filters see (docs/filters.md). */
export interface FilterSpec {
  /** Every record of a pool, in pool order; with `files` (some of `poolFiles`), the records of those files only. */
  records(pool: string, files?: readonly string[]): AsyncGenerator<PoolRecord>
  /** The pool's record files (DataComp shard tars, DCLM document files), in the order `records` reads them: what `bench filter --shard i/N` splits. */
  poolFiles(pool: string): Promise<string[]>
  /** The `heuristic` baseline filter. */
  heuristic(context: FilterContext): DataFilter
  /** Why the `heuristic` baseline needs the whole pool (a sample's decision depends on other samples), or false: each decision is the sample's own. */
  heuristicWholePool: string | false
  /** The benchmark's published baseline filters, by the name `bench filter --filter` takes (docs/filters.md). */
  builtins?: Readonly<Record<string, BuiltinFilter>>
  /**
   * The pool's embeddings, rows in a stable order with their uids, `batchRows` at a time (DataComp:
   * the `<stem>.npz` beside each metadata parquet); `array` names one (default: `defaultEmbedding`).
   * `dir`: read each part's `<stem>.npz` from this folder instead (what `bench embed --out` wrote).
   * Absent: the benchmark's pools carry none, and the embedding-based filters refuse them.
   */
  embeddings?(pool: string, array: string, batchRows: number, dir?: string): AsyncGenerator<EmbeddingBatch>
  /** The array embedding-based filters read when --embedding is not given. */
  defaultEmbedding?: string
}

export interface ReshardSpec<R, D> {
  /** Writes the training data of a subset (docs/contracts.md, "Training data"). */
  run(options: ReshardRunOptions<R, D>): Promise<ReshardOutcome>
  /**
   * `run`'s own check of OUT, writing nothing: the outcome `run` gives where OUT already holds this
   * subset's finished training data (`already_complete`), undefined where it does not; refuses what
   * `run` refuses before that check. `bench reshard --executor slurm` asks it before submitting.
   */
  complete(options: ReshardRunOptions<R, D>): Promise<ReshardOutcome | undefined>
  /**
   * The same output written by many workers (`bench reshard --shard i/N`, `--merge-shards N`, a SLURM
   * array), byte-identical to `run`: `plan` counts the output shards (and writes what the tasks read into
   * OUT), `shard` writes task i's share, `merge` the closing files. Absent: only one worker can write it
   * (DCLM: tokenize-shuffle shuffles every context of the subset at once).
   */
  sharded?: {
    plan(options: ReshardRunOptions<R, D>): Promise<{outputShards: number; outputCount: number}>
    shard(options: ReshardRunOptions<R, D> & {shard: Shard}): Promise<{outputShards: number[]; part: string}>
    merge(options: ReshardRunOptions<R, D> & {count: number}): Promise<void>
  }
}

export interface ReshardRunOptions<R, D> {
  /** The recipe scale, when one was given or recorded in the pool's pool.json. */
  scale: ScaleRecipe<R, D> | undefined
  subsetFile: string
  poolDir: string
  outDir: string
  /** A tokenizer.json for a recipe tokenizer dcbench does not ship (token benchmarks). */
  tokenizerFile?: string
  /** Records (DataComp samples) or sequences (DCLM) per output shard; default: upstream's. */
  shardSize?: number
  /** The most records the subset may hold (the scale's budget, or without a scale the largest of the benchmark's). */
  recordLimit: SubsetRecordLimit
  onProgress?: ProgressListener
}

/** What a reshard wrote (the facts of the folder's manifest). */
export interface ReshardOutcome {
  scale: string | null
  subset_fingerprint: string
  /** Records of the subset, repeats counted. */
  subset_size: number
  /** Records written, repeats counted. */
  output_count: number
  /** Subset records whose id no pool record has. */
  missing: number
  /** Pool records the subset selects whose id an earlier pool record already had (each is used too). */
  pool_duplicates: number
  shards: number
  /** Token-based benchmarks: sequences of seq_len + 1 tokens and the tokens in them. */
  sequences?: number
  tokens?: number
  /** Shards kept from an interrupted earlier run. */
  resumed_shards: number
  already_complete: boolean
  /**
   * The pool holds every record of its source, so a subset record not found in it names a record the
   * pool never had (what `bench subset validate` rejects) — not one its download lost (DataComp's
   * img2dataset shards simply lack failed downloads).
   */
  pool_complete: boolean
}

/** Training under the container contract (docs/containers.md). */
export interface TrainingSpec<R, D> {
  /** The upstream trainer of the official scales and its images (docs/official.md). */
  official: OfficialTrainerSpec<R, D>
  /** The facts of a training-data folder written by `bench reshard`; refuses another benchmark's or scale's. */
  readData(dataDir: string, scale: ScaleRecipe<R, D>): TrainingDataFacts
  /**
   * The upstream trainer's exact argument list at an official scale. `dataDir` may not exist (a dry
   * run planned elsewhere): a list that depends on the data then holds a placeholder.
   */
  officialArgs(scale: ScaleRecipe<R, D>, infra: InfraPlan, dataDir: string): string[]
  /** Checks `RUN/model/` after a run: model.json and every graph loaded and run once. */
  checkModel(modelDir: string, problems: string[]): Promise<ModelCheck | undefined>
}

/** The upstream trainer the official scales run (containers/official; docs/official.md). */
export interface OfficialTrainerSpec<R, D> {
  /**
   * The official image: `containers/official/build.sh IMAGE {smoke|gpu}` builds it, sources.lock pins
   * its upstream archives, and its wrapper is `python3 -m dcbench_official train IMAGE -- ARGS`.
   */
  image: string
  /** The module the argument list is for (`python -m ENTRY_POINT ARGS`), as upstream runs it. */
  entryPoint: string
  /** What a scale's argument list changes in a smoke run (`bench train --smoke`). */
  smoke(scale: ScaleRecipe<R, D>, infra: InfraPlan): SmokeSpec
  /** The upstream architecture settings of a scale that `bench export` passes with a checkpoint. */
  exportSettings(scale: ScaleRecipe<R, D> | undefined): Record<string, unknown>
}

/**
 * A smoke run: the real upstream entry point with the scale's exact argument list except these
 * overrides, on one CPU process (docs/official.md, "Smoke runs").
 */
export interface SmokeSpec {
  overrides: ArgOverride[]
  /** Files the run needs in its folder (path relative to RUN → content), e.g. a tiny model config. */
  files: Record<string, string>
}

/** One change a smoke run makes to an official argument list. */
export interface ArgOverride {
  flag: string
  /** The value it takes; null drops the flag (and its value, if it has one). */
  value: string | null
  /** Why, in a few words (shown by --dry-run and recorded in run.json). */
  why: string
}

export interface TrainingDataFacts {
  subsetFingerprint: string
  subsetSize: number
  poolIndexSha256: string | null
}

/** Evaluation: the suites, running one, recomputing aggregates of a results file, fetching data. */
export interface EvalSpec<R, D> {
  /** The suites this benchmark scores, for the leaderboard (a recipe names one as `eval_suite`). */
  suites: readonly string[]
  scoring(suite: string): SuiteScoring | undefined
  run?(options: EvalRunOptions<R, D>): Promise<EvalRunOutcome>
  aggregateFile(options: AggregateFileOptions): Promise<ReportOutcome>
  fetch?(options: EvalFetchOptions<R, D>): Promise<ReportOutcome>
  /**
   * The keys of the tasks an evaluation of `scale` runs — the whole suite, or the `tasks` asked for —
   * in the order a local eval runs them: what `bench eval --shard i/N` splits (src/eval/shards.ts).
   */
  taskKeys?(scale: ScaleRecipe<R, D>, tasks?: string[]): string[]
  /**
   * Puts the per-task results of the shards' output folders into `outDir` as a local eval's resume
   * reads them (then `run` on `outDir` has nothing left to run and writes the results file a local
   * eval writes). Refuses, naming the shard and its folder, a shard whose results lack one of its tasks.
   */
  mergeShards?(options: EvalMergeOptions): Promise<void>
}

/** The shards of one evaluation, for `EvalSpec.mergeShards`. */
export interface EvalMergeOptions {
  outDir: string
  /** Every task of the evaluation, in the order a local eval runs them. */
  tasks: string[]
  /** Each shard: its name in messages (`shard 2/4`), its output folder and its tasks. */
  parts: {label: string; dir: string; tasks: string[]}[]
}

export interface EvalRunOptions<R, D> {
  scale: ScaleRecipe<R, D>
  modelDir: string
  /** Eval data folder; default: $DCBENCH_DATA or ~/.cache/dcbench/eval. */
  dataDir?: string
  outDir: string
  tasks?: string[]
  device?: 'cpu' | 'cuda'
  /** Image benchmarks: images and texts per batch, and image worker threads. */
  batchSize?: number
  decodeThreads?: number
  /** Token benchmarks: largest model batch in tokens. */
  batchTokens?: number
  /** Token benchmarks: a tokenized validation set (tokshuf's layout) for the held-out loss step. */
  heldoutDir?: string
  onProgress?: (event: EvalRunEvent) => void
}

/** Progress of an evaluation, task by task, in the words the command shows. */
export type EvalRunEvent =
  | {kind: 'task-start'; task: string; index: number; count: number; unit: string; /** Shown instead of `[index+1/count] task`. */ label?: string}
  | {kind: 'progress'; done: number; total?: number}
  | {kind: 'task-done'; task: string; message: string}
  | {kind: 'note'; message: string}

export interface EvalRunOutcome extends ReportOutcome {
  /** The results file (the format the leaderboard reads). */
  resultsFile: string
  headline: {name: string; value: number | string | null}
}

/** A result for a command: the `--json` document, the human report, and whether every check passed. */
export interface ReportOutcome {
  json: Record<string, unknown>
  /** Printed to stdout without --json (tables already rendered). */
  text: string
  /** false: the command exits 1 (e.g. a stored aggregate disagrees). */
  ok: boolean
  /** Thrown by the command after the report is printed (e.g. tasks whose data is unusable). */
  failure?: DcbError
}

export interface AggregateFileOptions {
  file: string
  /** Accept a results file with fewer than the suite's tasks. */
  partial?: boolean
  /** Largest |stored − recomputed| still counted as agreement. */
  tolerance?: number
}

export interface EvalFetchOptions<R, D> {
  /** The scale whose suite to fetch; default: the official scales' suite. */
  scale?: ScaleRecipe<R, D>
  tasks?: string[]
  dataDir?: string
  offline: boolean
  hubUrl?: string
  accessToken?: string
  revision: string
  /** Base URL of a benchmark's non-hub data source (DCLM: GitHub's raw file layout); default: the adapter's. */
  sourceUrl?: string
  /**
   * Shown the download sizes before anything is downloaded (not called when nothing is to be
   * fetched); throwing refuses the fetch.
   */
  confirm?: (plan: DownloadPlan) => Promise<void>
  /** Bytes of the task being fetched; `task` names it for the display (a new task starts a new line). */
  onProgress?: (event: {task: string; done: number; total?: number; detail?: string}) => void
}

/** Scaling-law fits and predictions (`bench predict`, src/predict/): what a scale and a run measure. */
export interface ScalingSpec<R, D> {
  /** N (parameters, embeddings included) and D (training tokens) of a scale, from its frozen recipe. */
  size(scale: ScaleRecipe<R, D>): {params: number; tokens: number}
  /** Named task sets of the scale's eval suite that an average top-1 error can be taken over (`--tasks`). */
  errorTaskSets(scale: ScaleRecipe<R, D>): Readonly<Record<string, readonly string[]>>
  /**
   * What an eval output of this benchmark measured: the held-out validation loss (null when the eval
   * had no loss step) and the accuracy of every task. Refuses another benchmark's file.
   */
  readEval(file: string): Promise<{loss: number | null; accuracies: Record<string, number>}>
}


/** How boards show this benchmark's entries. */
export interface LeaderboardSpec {
  /** The column of the subset size (`Dataset size`, `Documents`). */
  sizeColumn: string
}

/**
 * What the leaderboard needs to know about an eval suite. Every number comes from the eval module
 * that owns the suite, wired by its benchmark's adapter (src/benchmarks/): the leaderboard never
 * re-implements an aggregation, it asks the suite's own aggregator to recompute submitted aggregates.
 */
export interface SuiteScoring {
  /** The benchmark whose suite it is. */
  benchmark: string
  /** The suite name as recipes name it (`eval_suite`). */
  suite: string
  /** The version of the suite definition the harness carries. */
  version: string
  /** The scored tasks, in the suite's order, with their display names and example counts (for re-run tolerances). */
  tasks: {key: string; name: string; group?: string; examples?: number}[]
  /** Recomputes the aggregates from per-task main metrics with the eval module's aggregator. */
  aggregate(tasks: Record<string, number>): Record<string, number>
  /** The aggregate that ranks a board (DataComp: `Average`; DCLM: CORE). */
  headline: string
  /** The aggregate columns a board shows, headline included, in display order. */
  columns: {key: string; label: string}[]
  /** Reads an eval output file (the eval module's format) into per-task main metrics. */
  readResults(file: string): Promise<Record<string, number>>
  /**
   * The model hash (src/contracts/model-folder.ts) of the model folder an eval output file was made
   * from, as the evaluation recorded it; undefined when the file does not say (not written by dcbench).
   */
  readModelHash(file: string): Promise<string | undefined>
  /**
   * Files beside an eval output that belong with it (read by `readModelHash` or `readResults`): a
   * submission bundle carries them too. DataComp: `eval_info.json`; none for a self-contained file.
   */
  companionFiles(file: string): string[]
}

/** Finds the scoring of a suite by name; undefined when dcbench has no such suite. */
export type SuiteResolver = (suite: string) => SuiteScoring | undefined
