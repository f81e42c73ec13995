import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {repoRoot} from '../../helpers/cli.js'
import {readmeDataCompOnlyScores, readmeScores, sameScore, tableScores} from '../../helpers/readme-scores.js'

// The parsers test/integration/fresh-machine relies on, on the README itself and on the closing table
// of a real `npm ci && npx bench doctor --fix --yes && npx bench quickstart --fast` in the fresh container.
const TABLE = `
┌───────────┬────────┬────────┬───────────┬──────────┬────────┬────────────┬─────────┐
│ benchmark │ filter │ subset │ % of pool │ headline │ score  │ final loss │ train s │
├───────────┼────────┼────────┼───────────┼──────────┼────────┼────────────┼─────────┤
│ datacomp  │ oracle │ 10066  │ 50.3      │ Average  │ 0.7905 │ 1.210      │ 518     │
├───────────┼────────┼────────┼───────────┼──────────┼────────┼────────────┼─────────┤
│ datacomp  │ none   │ 20000  │ 100.0     │ Average  │ 0.3138 │ 4.562      │ 312     │
├───────────┼────────┼────────┼───────────┼──────────┼────────┼────────────┼─────────┤
│ dclm      │ oracle │ 7816   │ 24.8      │ Core     │ 0.8816 │ 0.748      │ 492     │
├───────────┼────────┼────────┼───────────┼──────────┼────────┼────────────┼─────────┤
│ dclm      │ none   │ 31522  │ 100.0     │ Core     │ 0.1799 │ 1.510      │ 692     │
└───────────┴────────┴────────┴───────────┴──────────┴────────┴────────────┴─────────┘`

describe("the README's quickstart scores", () => {
  it('the README table has the four baselines, and the fresh-container run equals it at its precision', () => {
    const readme = readmeScores(readFileSync(join(repoRoot, 'README.md'), 'utf8'))
    expect([...readme.keys()].sort()).toEqual(['heuristic', 'none', 'oracle', 'random'])
    const table = tableScores(TABLE)
    expect(table.get('datacomp/oracle')).toBe(0.7905)
    for (const filter of ['none', 'oracle']) {
      const [datacomp, dclm] = readme.get(filter)!
      expect(sameScore(table.get(`datacomp/${filter}`)!, datacomp)).toBe(true)
      expect(sameScore(table.get(`dclm/${filter}`)!, dclm)).toBe(true)
    }
  })

  // DataComp's official-baseline and embedding-based rows, from a full `bench quickstart` on a quiet
  // machine (2026-12-07 16:10–16:19, 8.7 min: the closing table's scores to 4 decimals); the CI's
  // fresh-machine run is --fast and does not train them
  it("the README's DataComp-only rows equal their measured scores", () => {
    const readme = readmeDataCompOnlyScores(readFileSync(join(repoRoot, 'README.md'), 'utf8'))
    expect([...readme.keys()].sort()).toEqual(['basic', 'clip-score', 'density-pruning', 'semdedup'])
    const measured: Record<string, number> = {'clip-score': 0.7736, basic: 0.3492, semdedup: 0.3909, 'density-pruning': 0.3917}
    for (const [filter, score] of Object.entries(measured)) expect(sameScore(score, readme.get(filter)!), filter).toBe(true)
  })

  it('a score one README unit off is not the same', () => {
    expect(sameScore(0.7905, 0.791)).toBe(true)
    expect(sameScore(0.7895, 0.791)).toBe(false)
    expect(sameScore(0.7916, 0.791)).toBe(false)
  })
})
