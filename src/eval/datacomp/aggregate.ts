import {DcbError} from '../../errors.js'
import {numpyMean} from './numpy-mean.js'
import type {DataCompResultRow} from './results-file.js'
import {findTask, loadSuite, scoredTasks, type Suite} from './suite.js'

/** The reported numbers of a DataComp results file, under DataComp's own key names (spec §4.4). */
export interface DataCompAggregates {
  /** Main metric of ImageNet 1k. */
  ImageNet: number | null
  /** Plain mean of ImageNet Sketch, v2, -A, -O, -R and ObjectNet. */
  'ImageNet dist. shifts': number | null
  /** Plain mean of the 13 VTAB tasks (SUN397 included). */
  VTAB: number | null
  /** Plain mean of Flickr, MSCOCO and WinoGAViL. */
  Retrieval: number | null
  /** Plain mean of all 38 main metrics (no weights, no random-baseline normalisation). */
  Average: number | null
}

/** Aggregates plus what they were computed from. */
export interface DataCompAggregation {
  /** The suite's groups in display order, then `Average` (datacomp-38: the DataCompAggregates keys). */
  aggregates: Record<string, number | null>
  /** Rows with a non-null main metric that entered the Average. */
  scored: number
  /** Main-metric tasks the suite has (38 for datacomp-38). */
  expected: number
  /** Display names of the suite's scored tasks absent from the rows (only with `partial`). */
  missing: string[]
  /** True when computed over fewer tasks than the suite has: not comparable with official numbers. */
  partial: boolean
  /** Per group: how many of its tasks were present. */
  groupCounts: Record<string, {present: number; expected: number}>
  suite: {id: string; version: string}
}

export interface AggregateDataCompOptions {
  /** Accept fewer than all scored tasks; groups and Average then cover the tasks present. */
  partial?: boolean
  /** Defaults to the shipped datacomp-38 suite. */
  suite?: Suite
  /** Named in error messages. */
  source?: string
}

function isMissingMetric(value: unknown): boolean {
  // aggregate_scores.py drops rows with pandas dropna: null and NaN alike.
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))
}

/**
 * DataComp's aggregate_scores.py as a pure function (spec §4.4): keep rows whose main metric is not
 * null/NaN, require exactly the suite's scored tasks (38) unless `partial`, then ImageNet = ImageNet 1k,
 * each group = plain mean of its members, Average = plain mean of all main metrics — means computed
 * bit-for-bit as numpy does. Stricter than upstream, which only counts rows: a duplicated task, a
 * task unknown to the suite, or a key that does not match its display name is refused.
 */
export function aggregateDataComp(rows: readonly DataCompResultRow[], options: AggregateDataCompOptions = {}): DataCompAggregation {
  const suite = options.suite ?? loadSuite('datacomp-38')
  const source = options.source ?? 'results'
  const scoredByName = new Map(scoredTasks(suite).map((task) => [task.name, task]))
  const allByName = new Map(suite.tasks.map((task) => [task.name, task]))
  const values = new Map<string, number>()
  for (const [index, row] of rows.entries()) {
    const where = `${source}: row ${index + 1} (${row.dataset})`
    // The dataset column holds display names; a task key there (`cifar10`) names the same task.
    const task = allByName.get(row.dataset) ?? findTask(suite, row.dataset)
    if (!task) {
      throw new DcbError('DCB_RESULTS_UNKNOWN_TASK', `${where}: '${row.dataset}' is not a task of suite ${suite.suite}; expected one of its display names (e.g. 'ImageNet 1k') or task keys (e.g. 'imagenet1k')`)
    }
    if (task.key !== row.key) {
      throw new DcbError('DCB_RESULTS_FILE', `${where}: key '${row.key}' does not match the dataset name; suite ${suite.suite} has key '${task.key}' for '${task.name}'`)
    }
    const main = row.metrics.main_metric
    if (isMissingMetric(main)) continue
    if (!scoredByName.has(task.name)) {
      throw new DcbError('DCB_RESULTS_FILE', `${where}: has a main_metric (${String(main)}) but the task is not scored in suite ${suite.suite}; expected null`)
    }
    if (values.has(task.name)) {
      throw new DcbError('DCB_RESULTS_DUPLICATE', `${where}: '${task.name}' appears twice; expected one line per task`)
    }
    values.set(task.name, main as number)
  }

  const missing = [...scoredByName.keys()].filter((name) => !values.has(name))
  if (missing.length > 0 && !options.partial) {
    throw new DcbError(
      'DCB_RESULTS_INCOMPLETE',
      `${source}: ${values.size} main-metric tasks, expected exactly ${scoredByName.size}; missing: ${missing.join(', ')}`,
      {suggestions: ['evaluate the missing tasks, or pass --partial to aggregate what is there (not comparable with official numbers)']},
    )
  }

  const groupCounts: DataCompAggregation['groupCounts'] = {}
  const groupValues = (group: string): number | null => {
    const members = suite.tasks.filter((task) => task.group === group && task.scored)
    // Upstream iterates a Python set here, whose order varies per process; suite order is used.
    const present = members.filter((task) => values.has(task.name)).map((task) => values.get(task.name) as number)
    groupCounts[group] = {present: present.length, expected: members.length}
    return present.length === 0 ? null : numpyMean(present)
  }
  const aggregates: Record<string, number | null> = {}
  for (const group of suite.groups) aggregates[group] = groupValues(group)
  // Upstream: np.mean over the results dict, in file order.
  aggregates.Average = values.size === 0 ? null : numpyMean([...values.values()])
  return {
    aggregates,
    scored: values.size,
    expected: scoredByName.size,
    missing,
    partial: missing.length > 0,
    groupCounts,
    suite: {id: suite.suite, version: suite.version},
  }
}
