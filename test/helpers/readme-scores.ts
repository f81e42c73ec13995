/** Reading the quickstart scores of the README's table and of `bench quickstart`'s closing table. */

/** README's quickstart table: filter → [DataComp, DCLM] headline, as printed there (3 decimals). */
export function readmeScores(readme: string): Map<string, [number, number]> {
  const scores = new Map<string, [number, number]>()
  for (const match of readme.matchAll(/^\| (none|random|heuristic|oracle) \(.*?\) \| (\d\.\d{3}) \| (\d\.\d{3}) \|$/gm)) {
    scores.set(match[1]!, [Number(match[2]), Number(match[3])])
  }
  return scores
}

/** README's DataComp-only quickstart rows (DataComp's official baselines and embedding-based pruning; DCLM: `–`): filter → DataComp headline. */
export function readmeDataCompOnlyScores(readme: string): Map<string, number> {
  const scores = new Map<string, number>()
  for (const match of readme.matchAll(/^\| (clip-score|basic|text-based|laion2b|semdedup|ssl-prototypes|density-pruning|d4) \(.*?\) \| (\d\.\d{3}) \| – \|$/gm)) {
    scores.set(match[1]!, Number(match[2]))
  }
  return scores
}

/** The quickstart's closing table: `│ benchmark │ filter │ subset │ % of pool │ headline │ score │ …` (score to 4 decimals). */
export function tableScores(output: string): Map<string, number> {
  const scores = new Map<string, number>()
  for (const line of output.split('\n')) {
    const cells = line.split('│').map((c) => c.trim())
    if (cells.length < 8 || !/^(datacomp|dclm)$/.test(cells[1]!)) continue
    scores.set(`${cells[1]}/${cells[2]}`, Number(cells[6]))
  }
  return scores
}

/**
 * Equal at the README's precision. The table prints 4 decimals and the README 3, both rounded from the
 * same number: 0.79053 is 0.7905 in the table and 0.791 in the README, so the two may differ by up to
 * half a README unit plus half a table unit (and no more).
 */
export function sameScore(table: number, readme: number): boolean {
  return Math.abs(table - readme) <= 0.0005 + 0.00005 + 1e-9
}
