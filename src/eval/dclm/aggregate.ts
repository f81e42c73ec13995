/**
 * DCLM's aggregation (CORE, EXTENDED, MMLU, category means, the extra lists), as pure functions.
 *
 * A faithful port of mlfoundations/dclm@361714bd `eval/aggregated_metrics.py::get_aggregated_results`
 * (read while writing this; shared/spec/dclm.md §6, [verified] there), including its quirks:
 * - centered = (acc − 0.01·b) / (1 − 0.01·b) with b the CSV "Random baseline" in percent (may be < 0);
 * - every mean skips NaN (pandas) and covers only the CSV tasks present; tasks in `icl` that are not
 *   CSV rows (legacy gsm8k, svamp, …) are ignored, as are aggregation-list names that are not CSV rows;
 * - `missing tasks` and the "N/A due to missing tasks: [...]" strings use Python's list repr; CORE's
 *   list is in `low_variance_datasets` order, EXTENDED's in CSV order; "missing" means the key is absent
 *   from `icl` (a present NaN counts as present and is skipped by the means);
 * - float64 results are bit-identical to pandas' (see pandas-mean.ts).
 *
 * The leaderboard imports this module to re-check submitted numbers: keep it free of I/O.
 */
import {groupMeans, seriesMean} from './pandas-mean.js'
import {pythonListRepr} from './python-repr.js'

/** The two versions of DCLM's random-baseline table: v1 = eval_meta_data_v1.csv (before Sept 2025), v2 = eval_meta_data.csv. */
export const BASELINE_VERSIONS = ['v1', 'v2'] as const
export type BaselineVersion = (typeof BASELINE_VERSIONS)[number]

/** One row of DCLM's eval_meta_data CSV, as far as aggregation reads it. */
export interface AggregationTask {
  /** "Eval Task": the key in `eval_metrics.icl`. */
  label: string
  /** "Task Category". */
  category: string
  /** "Random baseline", in percent, per table version. */
  randomBaseline: Readonly<Record<BaselineVersion, number>>
}

/** What aggregation needs of a suite: the CSV rows in CSV order and additional_aggregation.json. */
export interface AggregationMeta {
  /** CSV rows, in CSV order (the order matters for bit-exact means). */
  tasks: readonly AggregationTask[]
  /** additional_aggregation.json: list name → task labels, in file order. */
  lists: Readonly<Record<string, readonly string[]>>
  /** The list whose centered mean is CORE (`low_variance_datasets`). */
  coreList: string
  /** DCLM's CURRENT_VERSION (`v2`): which version the unversioned `Core`/`Extended` point to. */
  currentVersion: BaselineVersion
}

/** `eval_metrics.icl`: task label → accuracy in [0, 1] (NaN allowed: skipped by every mean). */
export type IclMetrics = Readonly<Record<string, number>>

/** An eval JSON as a plain record (DCLM's keys, in DCLM's order). */
export type EvalRecord = Record<string, unknown>

/** centered(task) = (acc − 0.01·b) / (1 − 0.01·b), the exact float64 expression DCLM evaluates. */
export function centeredAccuracy(accuracy: number, baselinePercent: number): number {
  return (accuracy - 0.01 * baselinePercent) / (1.0 - 0.01 * baselinePercent)
}

/** The prefix of a versioned CORE/EXTENDED value when tasks are missing. */
export const MISSING_TASKS_PREFIX = 'N/A due to missing tasks: '

/**
 * `get_aggregated_results(data, meta, aggregation_json, version)`: returns a copy of `data` with the
 * aggregate keys (re)written, in the order and with the migrations DCLM applies. `data.eval_metrics.icl`
 * must be present.
 */
export function applyAggregation(data: EvalRecord, meta: AggregationMeta, version: BaselineVersion): EvalRecord {
  const icl = iclOf(data)
  const out: EvalRecord = {...data}
  const present = (label: string): boolean => Object.hasOwn(icl, label)

  out['missing tasks'] = pythonListRepr(meta.tasks.filter((t) => !present(t.label)).map((t) => t.label))
  const results = meta.tasks.map((t) => (present(t.label) ? Number(icl[t.label]) : Number.NaN))
  const centered = meta.tasks.map((t, i) => centeredAccuracy(results[i]!, t.randomBaseline[version]))

  out.aggregated_task_categories_centered = Object.fromEntries(groupMeans(meta.tasks.map((t) => t.category), centered))
  out.aggregated_centered_results = seriesMean(centered)
  out.aggregated_results = seriesMean(results)
  for (const [key, listed] of Object.entries(meta.lists)) {
    const inList = meta.tasks.map((t) => listed.includes(t.label))
    out[key] = seriesMean(results.filter((_, i) => inList[i]))
    out[`${key}_centered`] = seriesMean(centered.filter((_, i) => inList[i]))
  }

  if (`${meta.coreList}_centered` in out) {
    const missingForCore = (meta.lists[meta.coreList] ?? []).filter((label) => !present(label))
    out[`Core_${version}`] = missingForCore.length > 0 ? MISSING_TASKS_PREFIX + pythonListRepr(missingForCore) : out[`${meta.coreList}_centered`]
  }
  out[`Extended_${version}`] = out['missing tasks'] !== '[]' ? MISSING_TASKS_PREFIX + String(out['missing tasks']) : out.aggregated_centered_results
  out.eval_version = version

  if (version === meta.currentVersion) {
    // Migration of files written before the split: the unversioned keys were v1.
    if ('Core' in out && !('Core_v1' in out)) {
      out.Core_v1 = out.Core
      delete out.Core
    }
    if ('Extended' in out && !('Extended_v1' in out)) {
      out.Extended_v1 = out.Extended
      delete out.Extended
    }
  }
  if (`Core_${meta.currentVersion}` in out) out.Core = out[`Core_${meta.currentVersion}`]
  if (`Extended_${meta.currentVersion}` in out) out.Extended = out[`Extended_${meta.currentVersion}`]
  return out
}

/**
 * Every aggregate in both table versions, as dcbench writes them: DCLM's script run with `--version v1`
 * and then with the current version, so the file carries `Core_v1`, `Extended_v1`, `Core_v2`,
 * `Extended_v2`, the unversioned `Core`/`Extended` (= current) and `eval_version`; all other aggregate
 * keys hold the current version's values.
 */
export function aggregateAllVersions(data: EvalRecord, meta: AggregationMeta): EvalRecord {
  let out = data
  for (const version of BASELINE_VERSIONS.filter((v) => v !== meta.currentVersion)) out = applyAggregation(out, meta, version)
  return applyAggregation(out, meta, meta.currentVersion)
}

/** The keys aggregation writes, for a suite: what `recheckAggregates` compares. */
export function aggregateKeys(meta: AggregationMeta): string[] {
  const lists = Object.keys(meta.lists).flatMap((k) => [k, `${k}_centered`])
  const versioned = BASELINE_VERSIONS.flatMap((v) => [`Core_${v}`, `Extended_${v}`])
  return ['missing tasks', 'aggregated_task_categories_centered', 'aggregated_centered_results', 'aggregated_results', ...lists, ...versioned, 'Core', 'Extended']
}

/** A stored aggregate that differs from the value recomputed from `eval_metrics.icl`. */
export interface AggregateDisagreement {
  /** DCLM key (categories as `aggregated_task_categories_centered.<category>`). */
  key: string
  stored: unknown
  recomputed: unknown
  /** The baseline-table version the stored value was compared against. */
  version: BaselineVersion
}

export interface RecheckResult {
  /** Every aggregate recomputed from `icl`, both versions, under DCLM's key names (current version in unversioned keys). */
  recomputed: EvalRecord
  /** Stored aggregates that disagree (beyond `tolerance`); empty when the file is consistent. */
  disagreements: AggregateDisagreement[]
  /** Aggregate keys present in the file and compared. */
  compared: string[]
  /** The version the file's unversioned aggregates were taken to be (`eval_version`, or v1 when absent). */
  storedVersion: BaselineVersion
}

export interface RecheckOptions {
  /** Largest |stored − recomputed| still counted as agreement. Default 0: DCLM-written files match bit for bit. */
  tolerance?: number
}

/**
 * Recomputes every aggregate of an eval JSON from its `eval_metrics.icl` and compares each stored one.
 * Versioned keys (`Core_v1`, `Extended_v2`, …) are compared with their own version; the unversioned
 * keys with the file's `eval_version` (files without one predate the split and are v1).
 */
export function recheckAggregates(data: EvalRecord, meta: AggregationMeta, options: RecheckOptions = {}): RecheckResult {
  const tolerance = options.tolerance ?? 0
  const icl = iclOf(data)
  const clean: EvalRecord = {eval_metrics: {icl}}
  const byVersion = Object.fromEntries(BASELINE_VERSIONS.map((v) => [v, applyAggregation(clean, meta, v)])) as Record<BaselineVersion, EvalRecord>
  const recomputed = aggregateAllVersions(clean, meta)
  delete recomputed.eval_metrics

  const stored = data.eval_version
  const storedVersion: BaselineVersion = stored === 'v1' || stored === 'v2' ? stored : 'v1'
  const disagreements: AggregateDisagreement[] = []
  const compared: string[] = []
  for (const key of aggregateKeys(meta)) {
    if (!(key in data)) continue
    compared.push(key)
    const versioned = /_(v\d+)$/.exec(key)?.[1] as BaselineVersion | undefined
    const version = versioned ?? storedVersion
    const expected = key === 'Core' ? byVersion[version][`Core_${version}`] : key === 'Extended' ? byVersion[version][`Extended_${version}`] : byVersion[version][key]
    if (key === 'aggregated_task_categories_centered') {
      const have = (data[key] ?? {}) as Record<string, unknown>
      const want = expected as Record<string, number>
      for (const category of new Set([...Object.keys(want), ...Object.keys(have)])) {
        if (!valuesAgree(have[category], want[category], tolerance)) {
          disagreements.push({key: `${key}.${category}`, stored: have[category], recomputed: want[category], version})
        }
      }
      continue
    }
    if (!valuesAgree(data[key], expected, tolerance)) disagreements.push({key, stored: data[key], recomputed: expected, version})
  }
  return {recomputed, disagreements, compared, storedVersion}
}

function valuesAgree(stored: unknown, expected: unknown, tolerance: number): boolean {
  if (typeof expected === 'number') {
    if (typeof stored !== 'number') return false
    if (Number.isNaN(expected) || Number.isNaN(stored)) return Number.isNaN(expected) && Number.isNaN(stored)
    return stored === expected || Math.abs(stored - expected) <= tolerance
  }
  return stored === expected
}

function iclOf(data: EvalRecord): IclMetrics {
  const metrics = data.eval_metrics as {icl?: unknown} | undefined
  const icl = metrics?.icl
  if (icl === null || typeof icl !== 'object' || Array.isArray(icl)) throw new TypeError('eval_metrics.icl must be an object of task → accuracy')
  return icl as IclMetrics
}
