import {existsSync} from 'node:fs'
import {mkdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../errors.js'
import {getBenchmark} from '../benchmarks/registry.js'
import {applyFilter, loadFilter} from '../filters/index.js'
import {addEntry, buildEntry, defaultSuites, entryOrigin, generateKeys, loadKeyring, publishBoard, readBoard, trustKey} from '../leaderboard/index.js'
import {indexPool, synthesizePool} from '../pool/index.js'
import {reshard} from '../runner/reshard/index.js'
import {train} from '../runner/train/index.js'
import {validateSubset} from '../subset/validate.js'
import {getRecipe} from '../tracks/registry.js'
import type {ProgressEvent} from '../ui/progress.js'
import {chooseExecutor} from './environment.js'
import type {BuiltinFilterOptions} from '../filters/builtin-types.js'
import {isEmbeddingFilter, layout, rowRuns, type BaselineFilter, type QuickstartBenchmark, type QuickstartPlan} from './plan.js'

export interface QuickstartOptions {
  plan: QuickstartPlan
  executor?: 'docker' | 'local' | 'auto'
  /** A step starts (one line for logs). */
  onStep?: (message: string) => void
  /** Progress within the current step. */
  onProgress?: (event: ProgressEvent) => void
  signal?: AbortSignal
}

/** One trained and evaluated baseline. */
export interface QuickstartRow {
  benchmark: QuickstartBenchmark
  filter: BaselineFilter
  /** Samples (DataComp) or documents (DCLM) in the subset. */
  subset_size: number
  fraction_of_pool: number
  /** The suite's headline: DataComp `Average`, DCLM `Core` (centered accuracy). */
  headline_name: string
  headline: number
  aggregates: Record<string, number>
  final_loss: number | null
  train_seconds: number
  eval_seconds: number
  entry: string
  run_manifest_sha256: string
}

export interface QuickstartResult {
  out: string
  executor: string
  image: string | null
  notes: string[]
  rows: QuickstartRow[]
  /** The published leaderboard. */
  site: {dir: string; html: string; markdown: string}
  /** Wall time per benchmark and in all. */
  seconds: Record<string, number>
}

/**
 * `bench quickstart`: for each benchmark, synthesise the tiny pool, build the baseline subsets, then
 * validate → reshard → train → evaluate → sign each through the same library functions the individual
 * commands call; finally add every entry to a local board and publish it. Every step skips work a
 * previous run finished, so an interrupted quickstart resumes.
 */
export async function runQuickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const started = Date.now()
  const {plan} = options
  const step = options.onStep ?? (() => {})
  const env = await chooseExecutor(options.executor ?? 'auto')
  for (const note of env.notes) step(note)
  await mkdir(plan.out, {recursive: true})
  const signer = await ensureSigner(plan)

  const rows: QuickstartRow[] = []
  const seconds: Record<string, number> = {}
  let image: string | null = null
  let executor: string = env.executor
  for (const benchmark of plan.benchmarks) {
    const adapter = getBenchmark(benchmark)
    const benchmarkStarted = Date.now()
    const pool = layout.pool(plan, benchmark)
    const poolIndex = layout.poolIndex(plan, benchmark)
    if (!existsSync(join(pool, 'pool.json'))) {
      step(`${benchmark}: synthesising the tiny pool → ${pool}`)
      await synthesizePool({benchmark, scale: 'tiny', out: pool, seed: plan.seed, onProgress: options.onProgress})
    }
    if (!existsSync(poolIndex)) {
      step(`${benchmark}: indexing the pool → ${poolIndex}`)
      await indexPool({inputs: [pool], out: poolIndex, onProgress: options.onProgress})
    }
    let heuristicSize: number | undefined
    let heuristicFraction: number | undefined
    for (const filterName of plan.filters) {
      const label = `${benchmark}/${filterName}`
      if (!rowRuns(filterName, adapter.filter)) continue
      const subsetFile = layout.subset(plan, benchmark, filterName)
      await mkdir(join(plan.out, benchmark, 'subsets'), {recursive: true})
      const size = filterName === 'random' ? heuristicSize : undefined
      if ((filterName === 'random' || isEmbeddingFilter(filterName) || filterName === 'clip-score') && heuristicSize === undefined) {
        throw new DcbError('DCB_QUICKSTART_INTERNAL', `the ${filterName} baseline needs the heuristic subset first`)
      }
      step(`${label}: filter`)
      const builtin = rowOptions(filterName, heuristicFraction as number)
      const filter = await loadFilter(filterName, {benchmark, seed: plan.seed, pool}, {builtin})
      const filtered = await applyFilter({filter, benchmark, pool, out: subsetFile, size, onProgress: options.onProgress})
      if (filterName === 'heuristic') {
        heuristicSize = filtered.kept
        heuristicFraction = filtered.kept / filtered.poolRecords
      }

      step(`${label}: validate ${filtered.kept} ${adapter.nouns.records}`)
      const report = await validateSubset({file: subsetFile, benchmark, scale: 'tiny', poolIndex, onProgress: options.onProgress})
      if (!report.valid) throw new DcbError('DCB_QUICKSTART_INTERNAL', `${subsetFile}: the ${filterName} subset is invalid: ${report.reasons.join('; ')}`)

      step(`${label}: reshard`)
      const dataDir = layout.data(plan, benchmark, filterName)
      await reshard({benchmark, scale: 'tiny', subsetFile, poolDir: pool, outDir: dataDir, onProgress: options.onProgress})

      step(`${label}: train (${env.executor})`)
      const runDir = layout.run(plan, benchmark, filterName)
      const trained = await train({
        benchmark,
        scale: 'tiny',
        dataDir,
        runDir,
        // 'auto' lets bench train fall back to the host python when the CPU image cannot be built here.
        executor: options.executor ?? 'auto',
        signal: options.signal,
        onProgress: (e) => {
          if (e.step !== undefined) options.onProgress?.({done: e.step, total: e.stepsTotal, detail: e.loss === undefined ? e.phase : `loss ${e.loss.toFixed(3)}`})
          else if (e.message) step(`${label}: ${e.message}`)
        },
      })
      if (trained.exit_status !== 'complete') {
        throw new DcbError('DCB_QUICKSTART_TRAIN', `${runDir}: training ended '${trained.exit_status}'; run bench quickstart again to resume`)
      }
      image = trained.image ?? image
      executor = trained.executor
      for (const note of trained.notes) step(`${label}: ${note}`)

      step(`${label}: evaluate on the tiny suite`)
      const evalStarted = Date.now()
      const evalDir = layout.eval(plan, benchmark, filterName)
      const evaluated = await evaluate(benchmark, join(runDir, 'model'), evalDir, options.onProgress)
      const evalSeconds = (Date.now() - evalStarted) / 1000

      step(`${label}: sign the entry`)
      const entryFile = layout.entry(plan, benchmark, filterName)
      await mkdir(join(plan.out, benchmark, 'entries'), {recursive: true})
      const built = await buildEntry({
        run: runDir,
        evalFile: evaluated.file,
        keyFile: signer.privateKeyFile,
        out: entryFile,
        method: {name: filterName, description: FILTER_DESCRIPTIONS[filterName]},
        poolIndex,
        suites: defaultSuites,
      })
      const suite = defaultSuites(built.entry.eval.suite)
      const headlineName = suite?.headline ?? 'Average'
      rows.push({
        benchmark,
        filter: filterName,
        subset_size: report.samplesPerPass,
        fraction_of_pool: report.fractionOfPool ?? Number.NaN,
        headline_name: headlineName,
        headline: built.entry.eval.aggregates[headlineName] ?? Number.NaN,
        aggregates: built.entry.eval.aggregates,
        final_loss: trained.final_loss,
        train_seconds: await trainSeconds(runDir),
        eval_seconds: evalSeconds,
        entry: entryFile,
        run_manifest_sha256: entryOrigin(built.entry).sha256,
      })
    }
    seconds[benchmark] = (Date.now() - benchmarkStarted) / 1000
  }

  step('leaderboard: add the signed entries and publish')
  const board = layout.board(plan)
  // A resumed quickstart re-signs its entries; the board already holds one per training run.
  const onBoard = new Set((await readBoard(board, {allowMissing: true})).map((r) => entryOrigin(r.entry).sha256))
  for (const row of rows) {
    if (onBoard.has(row.run_manifest_sha256)) continue
    await addEntry({entryFile: row.entry, boardDir: board, suites: defaultSuites})
    onBoard.add(row.run_manifest_sha256)
  }
  const site = layout.site(plan)
  const published = await publishBoard({boardDir: board, outDir: site, formats: ['html', 'md', 'csv', 'json'], suites: defaultSuites, keyring: await loadKeyring(join(board, 'keyring')), title: 'dcbench quickstart (tiny scale)'})
  seconds.total = (Date.now() - started) / 1000
  return {
    out: plan.out,
    executor,
    image,
    notes: env.notes,
    rows,
    site: {dir: site, html: join(site, pick(published.files, '.html')), markdown: join(site, pick(published.files, '.md'))},
    seconds,
  }
}

/** SemDeDup's ε on the tiny pool: keeps ~69 % (13,813 of 20,000 at seed 0), near the heuristic's 62 %. */
const SEMDEDUP_EPS = 0.02
/** k-means clusters on the tiny pool: ~1,000 samples each; fitting 100 would cost minutes of k-means on 2 cores. */
const TINY_CLUSTERS = 20

const FILTER_DESCRIPTIONS: Record<BaselineFilter, string> = {
  none: 'the whole pool',
  random: "a uniform random subset of the heuristic's size",
  heuristic: 'rule-based filtering (docs/filters.md)',
  oracle: 'the ground-truth clean samples (cheating: the ceiling)',
  basic: "DataComp's basic_filter, as upstream's apply_filter.py (docs/filters.md)",
  'clip-score': "DataComp's clip_score, L/14, the heuristic's share of the pool (docs/filters.md)",
  'text-based': "DataComp's text_based, as upstream (docs/filters.md)",
  laion2b: "DataComp's laion2b reproduction, as upstream (docs/filters.md)",
  semdedup: `SemDeDup, ε = ${SEMDEDUP_EPS} (docs/filters.md)`,
  'ssl-prototypes': "SSL prototypes at the heuristic's size (docs/filters.md)",
  'density-pruning': "density-based pruning at the heuristic's size (docs/filters.md)",
  d4: `D4 (SemDeDup ε = ${SEMDEDUP_EPS}, then prototypes) at the heuristic's size (docs/filters.md)`,
}

/**
 * The built-in flags of a row. Rows that take a size keep the heuristic's share of the pool, as random
 * does, so they compare selections, not sizes: clip-score (L/14, the arch of DataComp's best small-scale
 * clip-score baseline) and the sized embedding rows. The other official rows take upstream's defaults.
 */
function rowOptions(filter: BaselineFilter, heuristicFraction: number): BuiltinFilterOptions | undefined {
  if (filter === 'clip-score') return {arch: 'l14', fraction: heuristicFraction}
  if (!isEmbeddingFilter(filter)) return undefined
  const eps = filter === 'semdedup' || filter === 'd4' ? SEMDEDUP_EPS : undefined
  const fraction = filter === 'semdedup' ? undefined : heuristicFraction
  return {clusters: TINY_CLUSTERS, eps, fraction}
}

/** The tiny suite's evaluation through the benchmark's adapter; progress in tasks. */
async function evaluate(benchmark: QuickstartBenchmark, modelDir: string, outDir: string, onProgress?: (e: ProgressEvent) => void): Promise<{file: string}> {
  const run = getBenchmark(benchmark).eval.run
  if (!run) throw new DcbError('DCB_NOT_AVAILABLE', `benchmark '${benchmark}' cannot evaluate models`)
  const scale = getRecipe({benchmark, scale: 'tiny'})
  const outcome = await run({scale, modelDir, outDir, onProgress: (e) => {
    if (e.kind === 'task-start' && e.label === undefined) onProgress?.({done: e.index, total: e.count, detail: e.task})
  }})
  return {file: outcome.resultsFile}
}

/** Training time summed over attempts, as the trainer recorded it (RUN/final.json, docs/containers.md). */
async function trainSeconds(runDir: string): Promise<number> {
  const final = JSON.parse(await readFile(join(runDir, 'final.json'), 'utf8')) as {train_seconds?: number}
  return final.train_seconds ?? Number.NaN
}

/** The quickstart's own signing key, trusted by its board (generated on first use). */
async function ensureSigner(plan: QuickstartPlan): Promise<{privateKeyFile: string}> {
  const dir = layout.keys(plan)
  const privateKeyFile = join(dir, 'quickstart.key')
  if (!existsSync(privateKeyFile)) {
    const keys = await generateKeys({outDir: dir, name: 'quickstart'})
    await trustKey({publicKeyFile: keys.publicKeyFile, keyringDir: join(layout.board(plan), 'keyring'), name: 'quickstart'})
  }
  return {privateKeyFile}
}

function pick(files: readonly string[], suffix: string): string {
  return files.find((f) => f.endsWith(suffix)) ?? ''
}

