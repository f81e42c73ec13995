import type {SuiteResolver} from '../benchmarks/benchmark.js'
import {listBenchmarks} from '../benchmarks/registry.js'

export type {SuiteResolver, SuiteScoring} from '../benchmarks/benchmark.js'

/** The suites of every registered benchmark. */
export const defaultSuites: SuiteResolver = (suite) => {
  const owner = listBenchmarks().find((benchmark) => benchmark.eval.suites.includes(suite))
  return owner?.eval.scoring(suite)
}
