import type {ProgressListener} from '../ui/progress.js'
import type {ScaleRecipe} from '../tracks/recipe.js'
import type {Shard} from '../util/shards.js'
import type {DownloadPlan} from './download-plan.js'

/**
 * The pool part of a benchmark adapter (`Benchmark.pool`, src/benchmarks/benchmark.ts): the files
 * of a candidate pool, synthesizing a tiny one, downloading an official one.
 */

/** A candidate pool on disk: which files hold its record ids, and how a tiny one is made. */
export interface PoolSpec<R, D> {
  /** The kind code `.uidx` headers carry for this benchmark's pools (unique among benchmarks). */
  indexKind: number
  /** Sub-folders of a pool folder that hold id-bearing files, most preferred first. */
  folders: readonly string[]
  /** The file types of a pool, each with how its record ids are read. */
  sources: readonly PoolSourceType[]
  synthesize?: PoolSynthesizer<R, D>
  /** Getting the official pool of a scale (`bench pool download`). */
  download?: PoolDownloader<R, D>
}

/** `bench pool download`: the official pool of a scale into a folder, resumable. */
export interface PoolDownloader<R, D> {
  run(options: PoolDownloadOptions<R, D>): Promise<PoolDownloadOutcome>
}

export interface PoolDownloadOptions<R, D> {
  scale: ScaleRecipe<R, D>
  /** The pool folder (created when missing; a resumed download reuses it). */
  out: string
  /** Hub cache folder (default: the adapter's, under `out`). */
  cacheDir?: string
  hubUrl?: string
  accessToken?: string
  revision: string
  /** Use only what is already in `out`: no hub requests. */
  offline: boolean
  /** Which parts to get. */
  metadata: boolean
  npz: boolean
  images: boolean
  /** Inclusive range of image shards (a unit of work of its own, for cluster array tasks). */
  shards?: readonly [number, number]
  /** Only shard i of N of that range (round-robin over its shard ids): one array task's share. */
  part?: Shard
  /**
   * Downloads the image shards somewhere else — a SLURM job array (`--executor slurm`) or child
   * processes (`--processes N`) — instead of in this process, after the metadata step and the sizes;
   * this process then sums up the stats files.
   * Returns false when it only planned (a dry run): then nothing is summed up.
   */
  shardRunner?: (shards: ImageShardWork) => Promise<boolean>
  /** The flag that asked for the shard runner (`--executor slurm`, `--processes 4`), for messages. */
  shardRunnerFlag?: string
  /** Face blurring of the images (off only by request: then the pool is not the official one). */
  blur: boolean
  /** Downloads in flight, and per host. */
  threads?: number
  perHost?: number
  /** Print the pool's files and their total size; download nothing. */
  listOnly?: boolean
  /** The user's own list of the pool's files, instead of the one the benchmark ships. */
  listFile?: string
  /** Replace this URL prefix of the list's files (a moved pool, a copy in another bucket). */
  rewrite?: {from: string; to: string}
  /** An S3-compatible endpoint instead of AWS. */
  s3Endpoint?: string
  /** Seconds without progress before one try of an image fails (default the adapter's). */
  timeoutSeconds?: number
  /** Shown the sizes (and the free disk) before anything is downloaded; throwing refuses the download. */
  confirm?: (plan: DownloadPlan) => Promise<void>
  onProgress?: (event: {task: string; done: number; total?: number; detail?: string}) => void
}

/** The image shards a download covers: an inclusive id range, and how many of them are not done yet. */
export interface ImageShardWork {
  first: number
  last: number
  todo: number
}

/** What a pool download did: the JSON document of `--json` and the human summary. */
export interface PoolDownloadOutcome {
  json: Record<string, unknown>
  text: string
}

export interface PoolSourceType {
  /** Short name (`metadata`, `shard`, `documents`), reported by `bench pool index`. */
  type: string
  /** For messages: which files and what they are (`.tar (DataComp shard)`). */
  description: string
  matches(file: string): boolean
  /** The record ids of one file in file order, as 1–32 hex digits; a malformed id fails naming the file. */
  ids(file: string): AsyncIterable<string>
}

export interface PoolSynthesizer<R, D> {
  /** What the progress of a synthesis counts (`samples`, `words`). */
  unit: string
  /** The size of the scale's pool before it is made: records, bytes and seconds, estimated (stated as such). */
  estimate(scale: ScaleRecipe<R, D>): SynthesisEstimate
  /** Writes a deterministic synthetic pool of the scale's size into `dir` (an empty folder). */
  run(options: SynthesizeOptions<R, D>): Promise<SynthesizedPool>
}

/** What `bench pool synth` states before it starts. */
export interface SynthesisEstimate {
  /** Records (samples, documents) the pool will hold; exact where the scale fixes it. */
  records: number
  /** Bytes on disk, from the bytes per record of dcbench's tiny pools. */
  bytes: number
  /** Seconds on one core, from the rate measured on the tiny pools; machines differ. */
  seconds: number
}

export interface SynthesizeOptions<R, D> {
  scale: ScaleRecipe<R, D>
  dir: string
  seed: number
  onProgress?: ProgressListener
}

/** What a synthesis made; `bench pool synth` adds the common fields and writes pool.json. */
export interface SynthesizedPool {
  count: number
  /** Records per ground-truth quality label (`clean` and the junk kinds). */
  qualities: Record<string, number>
  /** Absolute paths of the files written. */
  files: string[]
  /** Benchmark-specific facts reported with the result and in pool.json. */
  facts: Record<string, number>
  /** Further pool.json fields (the generator's quality mix). */
  manifest: Record<string, unknown>
}
