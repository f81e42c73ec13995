import {benchmarkIds, isBenchmark} from '../benchmarks/registry.js'
import {DcbError} from '../errors.js'
import type {DataFilter, PoolRecord} from './filter.js'

/**
 * What a filter module's default export (or its factory's result) must be: an object with a `name`,
 * a `decide(record)` function and the `benchmarks` it understands. The same check, and the same
 * one-line refusal, for a module run in bench's process and one run in the sandbox.
 */
export function checkFilterShape(value: unknown, file: string): DataFilter<PoolRecord> {
  const f = value as Partial<DataFilter<PoolRecord>> | null
  const problem =
    !f || typeof f !== 'object'
      ? `its default export is ${f === null ? 'null' : typeof f}, not a filter object`
      : typeof f.name !== 'string' || f.name.length === 0
        ? "the filter has no 'name' string"
        : typeof f.decide !== 'function'
          ? "the filter has no 'decide(record)' function"
          : !Array.isArray(f.benchmarks) || f.benchmarks.length === 0 || f.benchmarks.some((b) => !isBenchmark(b))
            ? `'benchmarks' must be a non-empty list of benchmark ids (${benchmarkIds().join(', ')})`
            : undefined
  if (problem) throw new DcbError('DCB_FILTER_BAD', `filter module ${file}: ${problem}`)
  return f as DataFilter<PoolRecord>
}
