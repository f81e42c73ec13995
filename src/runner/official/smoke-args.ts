import type {ArgOverride} from '../../benchmarks/benchmark.js'
import {DcbError} from '../../errors.js'

/**
 * A smoke run's argument list: the official list with exactly the adapter's overrides applied
 * (docs/official.md, "Smoke runs"), and the record of each change that run.json keeps.
 */

/** One override as applied: the official value (true for a flag without one, null when absent) and the smoke value (null: dropped). */
export interface AppliedOverride {
  flag: string
  official: string | boolean | null
  smoke: string | null
  why: string
}

/** Whether `args[i]` is a flag's value rather than the next flag. */
function isValue(args: readonly string[], i: number): boolean {
  const token = args[i]
  return token !== undefined && !/^--[a-z]/.test(token)
}

/**
 * Applies overrides in order: a flag with a value gets the new value (appended when the list lacks it);
 * a null value drops the flag and its value. Every override must change something the list has or
 * add a flag, so the recorded list is exactly what differs.
 */
export function applyOverrides(official: readonly string[], overrides: readonly ArgOverride[]): {args: string[]; applied: AppliedOverride[]} {
  const args = [...official]
  const applied: AppliedOverride[] = []
  for (const override of overrides) {
    const at = args.indexOf(override.flag)
    const hasValue = at >= 0 && isValue(args, at + 1)
    const officialValue = at < 0 ? null : hasValue ? (args[at + 1] as string) : true
    if (override.value === null) {
      if (at < 0) throw new DcbError('DCB_INTERNAL', `smoke override drops ${override.flag}, which the official argument list does not have`)
      args.splice(at, hasValue ? 2 : 1)
    } else if (at < 0) {
      args.push(override.flag, override.value)
    } else if (hasValue) {
      args[at + 1] = override.value
    } else {
      throw new DcbError('DCB_INTERNAL', `smoke override gives ${override.flag} a value, but it is a switch in the official argument list`)
    }
    applied.push({flag: override.flag, official: officialValue, smoke: override.value, why: override.why})
  }
  return {args, applied}
}
