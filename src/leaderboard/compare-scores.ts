import {DcbError} from '../errors.js'
import type {SuiteScoring} from './suites.js'

/**
 * How far an organizer's scores (a re-run or a re-evaluation) may be from the submitted ones and still
 * confirm them. Per task, the bound is the larger of an absolute floor and three standard errors of
 * the submitted score p over the task's n examples, so small tasks get room and large ones none to
 * spare: max(0.02, 3·√(p(1−p)/n)). The headline must agree within 0.01. DataComp's README: a seed
 * change moves the 38-task average by up to 0.006 [verified, datacomp spec §1]; DCLM states no such
 * number, so the same bounds are dcbench's choice there.
 */
export const TASK_FLOOR = 0.02
export const HEADLINE_TOLERANCE = 0.01
/** `--tolerance` multiplies both bounds: below 1 tightens them, and it may loosen them at most this much. */
export const MAX_TOLERANCE_FACTOR = 2

/** The checked tolerance factor (default 1). */
export function toleranceFactor(factor: number | undefined): number {
  const value = factor ?? 1
  if (!Number.isFinite(value) || value <= 0 || value > MAX_TOLERANCE_FACTOR) {
    throw new DcbError('DCB_USAGE', `--tolerance ${factor}: a factor on the default bounds, above 0 and at most ${MAX_TOLERANCE_FACTOR} (it may tighten them, or loosen them at most ${MAX_TOLERANCE_FACTOR}×)`)
  }
  return value
}

/** The bound on |difference| for one task with submitted score p over n examples. */
export function taskBound(p: number, n: number | undefined, factor: number): number {
  const clamped = Math.min(1, Math.max(0, p))
  const standardError = n && n > 0 ? Math.sqrt((clamped * (1 - clamped)) / n) : 0
  return Math.max(TASK_FLOOR, 3 * standardError) * factor
}

export interface ScoreComparison {
  /** Tasks compared (the ones both sides have). */
  compared: number
  /** The task whose difference used the largest share of its bound. */
  closest: {task: string; difference: number; bound: number} | undefined
  /** One line per task (or headline) outside its bound. */
  problems: string[]
}

/**
 * Compares per-task scores (`again` may hold only a sample of the tasks) and, when both sides have it,
 * the headline aggregate.
 */
export function compareScores(options: {
  submitted: Record<string, number>
  again: Record<string, number>
  suite: SuiteScoring
  factor: number
  headline?: {submitted: number; again: number}
}): ScoreComparison {
  const examples = new Map(options.suite.tasks.map((t) => [t.key, t.examples]))
  const problems: string[] = []
  let compared = 0
  let closest: ScoreComparison['closest']
  for (const [task, again] of Object.entries(options.again)) {
    const submitted = options.submitted[task]
    if (submitted === undefined) continue
    compared++
    const difference = again - submitted
    const bound = taskBound(submitted, examples.get(task), options.factor)
    if (!closest || Math.abs(difference) / bound > Math.abs(closest.difference) / closest.bound) closest = {task, difference, bound}
    if (Math.abs(difference) > bound) problems.push(`${task}: submitted ${submitted}, re-run ${again}; |difference| ${Math.abs(difference).toFixed(6)} > tolerance ${bound.toFixed(6)}`)
  }
  if (options.headline) {
    const {submitted, again} = options.headline
    const bound = HEADLINE_TOLERANCE * options.factor
    if (Math.abs(again - submitted) > bound) {
      problems.push(`${options.suite.headline}: submitted ${submitted}, re-run ${again}; |difference| ${Math.abs(again - submitted).toFixed(6)} > tolerance ${bound.toFixed(6)}`)
    }
  }
  return {compared, closest, problems}
}
