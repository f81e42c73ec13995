import {describe, expect, it} from 'vitest'

import {isEmbeddingFilter, makePlan} from '../../../src/quickstart/plan.js'

describe('the quickstart plan', () => {
  const plan = (options: {fast?: boolean; all?: boolean}) => makePlan({out: '/tmp/qs', benchmarks: ['datacomp'], fast: options.fast ?? false, all: options.all, seed: 0}).filters

  it('runs the heuristic first (random and the sized embedding rows take its size), then one embedding row of each kind', () => {
    expect(plan({})).toEqual(['heuristic', 'none', 'random', 'oracle', 'semdedup', 'density-pruning'])
  })

  it('--all adds SSL prototypes and D4; --fast trains only the two ends', () => {
    expect(plan({all: true})).toEqual(['heuristic', 'none', 'random', 'oracle', 'semdedup', 'ssl-prototypes', 'density-pruning', 'd4'])
    expect(plan({fast: true})).toEqual(['none', 'oracle'])
  })

  it('knows which rows need embeddings', () => {
    expect(plan({all: true}).filter(isEmbeddingFilter)).toEqual(['semdedup', 'ssl-prototypes', 'density-pruning', 'd4'])
  })
})
