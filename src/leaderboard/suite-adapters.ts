import type {SuiteResolver, SuiteScoring} from './suites.js'

/**
 * The eval suites the leaderboard knows, each wired to its eval module (src/eval/<benchmark>/): task
 * list, aggregator and results reader come from there, never from here.
 */
const adapters: Record<string, () => SuiteScoring> = {}

const cache = new Map<string, SuiteScoring>()

/** The suites dcbench carries. */
export const defaultSuites: SuiteResolver = (suite) => {
  const cached = cache.get(suite)
  if (cached) return cached
  const make = adapters[suite]
  if (!make) return undefined
  const scoring = make()
  cache.set(suite, scoring)
  return scoring
}
