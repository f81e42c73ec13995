import {describe, expect, it} from 'vitest'

import {getBenchmark} from '../../../src/benchmarks/registry.js'
import {isEmbeddingFilter, isOfficialFilter, makePlan, rowRuns} from '../../../src/quickstart/plan.js'

describe('the quickstart plan', () => {
  const plan = (options: {fast?: boolean; all?: boolean}) => makePlan({out: '/tmp/qs', benchmarks: ['datacomp'], fast: options.fast ?? false, all: options.all, seed: 0}).filters

  it('runs the heuristic first (random, clip-score and the sized embedding rows take its size), then two official baselines and one embedding row of each kind', () => {
    expect(plan({})).toEqual(['heuristic', 'none', 'random', 'oracle', 'basic', 'clip-score', 'semdedup', 'density-pruning'])
  })

  it('--all adds text-based, laion2b, SSL prototypes and D4; --fast trains only the two ends', () => {
    expect(plan({all: true})).toEqual(['heuristic', 'none', 'random', 'oracle', 'basic', 'clip-score', 'text-based', 'laion2b', 'semdedup', 'ssl-prototypes', 'density-pruning', 'd4'])
    expect(plan({fast: true})).toEqual(['none', 'oracle'])
  })

  it('knows which rows need embeddings and which are official baselines', () => {
    expect(plan({all: true}).filter(isEmbeddingFilter)).toEqual(['semdedup', 'ssl-prototypes', 'density-pruning', 'd4'])
    expect(plan({all: true}).filter(isOfficialFilter)).toEqual(['basic', 'clip-score', 'text-based', 'laion2b'])
  })

  it('runs the official and embedding rows only where they fit: DCLM has neither (its pools get embeddings only from bench embed)', () => {
    const rows = plan({all: true})
    expect(rows.filter((f) => rowRuns(f, getBenchmark('datacomp').filter))).toEqual(rows)
    expect(rows.filter((f) => rowRuns(f, getBenchmark('dclm').filter))).toEqual(['heuristic', 'none', 'random', 'oracle'])
  })
})
