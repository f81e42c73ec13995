import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {aggregateDataComp} from '../../../../src/eval/datacomp/aggregate.js'
import {numpyMean} from '../../../../src/eval/datacomp/numpy-mean.js'
import {formatResultLine, parseResultsJsonl, type DataCompResultRow} from '../../../../src/eval/datacomp/results-file.js'
import {loadSuite} from '../../../../src/eval/datacomp/suite.js'
import {DcbError} from '../../../../src/errors.js'
import {runPython} from '../../../helpers/python.js'
import {useTempDir} from '../../../helpers/tmp.js'

const fixture = (name: string) => join(import.meta.dirname, '../../../fixtures/python', name)
const suite = loadSuite('datacomp-38')

/** A deterministic pseudo-random generator so hand-built files differ between cases. */
function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** A full 40-line results file as evaluate.py writes it, in tasklist order, with random main metrics. */
function fullRows(seed: number): DataCompResultRow[] {
  const rand = lcg(seed)
  return suite.tasks.map((task) => {
    if (!task.scored) return {key: task.key, dataset: task.name, metrics: {acc_race_avg: rand(), main_metric: null}}
    const value = rand()
    return {key: task.key, dataset: task.name, metrics: {[task.main_metric]: value, main_metric: value}}
  })
}

function pyHexToNumber(text: string): number {
  // float.hex(): [-]0x1.<hex>p<exp>
  const m = /^(-?)0x([01])\.([0-9a-f]*)p([+-]\d+)$/.exec(text)
  if (!m) throw new Error(`bad float.hex ${text}`)
  const frac = m[3] ? Number.parseInt(m[3], 16) / 16 ** m[3].length : 0
  return (m[1] ? -1 : 1) * (Number(m[2]) + frac) * 2 ** Number(m[4])
}

describe('aggregateDataComp (spec §4.4)', () => {
  const tmp = useTempDir()

  it('equals DataComp\'s numpy aggregation bit for bit, and aggregate_scores.py\'s pandas reading to 1e-15', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rows = fullRows(seed)
      // Shuffle line order for some seeds: Average follows file order, as upstream.
      if (seed % 2 === 0) rows.reverse()
      const file = join(tmp(), 'eval_results.jsonl')
      writeFileSync(file, rows.map(formatResultLine).join(''))
      const exact = JSON.parse(await runPython(fixture('aggregate_reference.py'), [file, 'json'])) as Record<string, string>
      const viaPandas = JSON.parse(await runPython(fixture('aggregate_reference.py'), [file, 'pandas'])) as Record<string, string>
      const ours = aggregateDataComp(parseResultsJsonl(rows.map(formatResultLine).join(''), file))
      expect(Object.keys(ours.aggregates)).toEqual(['ImageNet', 'ImageNet dist. shifts', 'VTAB', 'Retrieval', 'Average'])
      for (const [name, hex] of Object.entries(exact)) {
        expect(ours.aggregates[name], `${name} seed ${seed}`).toBe(pyHexToNumber(hex))
        // pd.read_json's default float parser (precise_float=False) can miss the last bit of a value.
        expect(Math.abs((ours.aggregates[name] as number) - pyHexToNumber(viaPandas[name] as string))).toBeLessThan(1e-15)
      }
      expect(ours.scored).toBe(38)
      expect(ours.partial).toBe(false)
    }
  })

  it('computes the groups from the right tasks (hand-checked values)', () => {
    const rows = suite.tasks.map((task) => {
      // Every task scores 0.5 except one marker value per group.
      const value = {'ImageNet 1k': 0.8, 'ImageNet-A': 0.2, SUN397: 0.1, WinoGAViL: 0.05}[task.name] ?? 0.5
      return {key: task.key, dataset: task.name, metrics: {main_metric: task.scored ? value : null}}
    })
    const {aggregates} = aggregateDataComp(rows)
    expect(aggregates.ImageNet).toBe(0.8)
    expect(aggregates['ImageNet dist. shifts']).toBeCloseTo((5 * 0.5 + 0.2) / 6, 15)
    expect(aggregates.VTAB).toBeCloseTo((12 * 0.5 + 0.1) / 13, 15)
    expect(aggregates.Retrieval).toBeCloseTo((2 * 0.5 + 0.05) / 3, 15)
    expect(aggregates.Average).toBeCloseTo((34 * 0.5 + 0.8 + 0.2 + 0.1 + 0.05) / 38, 15)
  })

  it('drops null and NaN main metrics like pandas dropna, then refuses fewer than 38', () => {
    const rows = fullRows(7)
    const cifar = rows.find((r) => r.dataset === 'CIFAR-10') as DataCompResultRow
    cifar.metrics.main_metric = Number.NaN
    let error: unknown
    try {
      aggregateDataComp(rows, {source: 'x.jsonl'})
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DcbError)
    expect((error as DcbError).exitCode).toBe(1)
    expect((error as DcbError).message).toBe('x.jsonl: 37 main-metric tasks, expected exactly 38; missing: CIFAR-10')
  })

  it('aggregates a partial file over the tasks present when asked, and says what is missing', () => {
    const rows = fullRows(8).filter((r) => !['ImageNet-O', 'Flickr', 'MSCOCO', 'WinoGAViL'].includes(r.dataset))
    const result = aggregateDataComp(rows, {partial: true})
    expect(result.partial).toBe(true)
    expect(result.missing).toEqual(['ImageNet-O', 'Flickr', 'MSCOCO', 'WinoGAViL'])
    expect(result.aggregates.Retrieval).toBeNull()
    expect(result.groupCounts['ImageNet dist. shifts']).toEqual({present: 5, expected: 6})
    const shifts = ['ImageNet Sketch', 'ImageNet v2', 'ImageNet-A', 'ImageNet-R', 'ObjectNet'].map((n) => rows.find((r) => r.dataset === n)?.metrics.main_metric as number)
    expect(result.aggregates['ImageNet dist. shifts']).toBe(numpyMean(shifts))
    expect(result.scored).toBe(34)
  })

  it('refuses duplicates, unknown tasks, mismatched keys and a main metric on an unscored task', () => {
    const rows = fullRows(9)
    expect(() => aggregateDataComp([...rows, rows[3] as DataCompResultRow])).toThrow(/'CLEVR Counts' appears twice/)
    expect(() => aggregateDataComp([...rows, {key: 'x', dataset: 'My Task', metrics: {main_metric: 1}}])).toThrow(/'My Task' is not a task of suite datacomp-38/)
    expect(() => aggregateDataComp([{...(rows[0] as DataCompResultRow), key: 'caltech101'}, ...rows.slice(1)])).toThrow(/key 'caltech101' does not match the dataset name; suite datacomp-38 has key 'vtab\/caltech101'/)
    const fair = rows.map((r) => (r.dataset === 'FairFace' ? {...r, metrics: {main_metric: 0.3}} : r))
    expect(() => aggregateDataComp(fair)).toThrow(/FairFace.*not scored/)
  })
})

describe('numpyMean', () => {
  const tmp = useTempDir()
  it('matches numpy.mean bit for bit for many lengths and magnitudes', async () => {
    const rand = lcg(42)
    const cases: number[][] = []
    for (const n of [1, 3, 7, 8, 9, 13, 16, 38, 127, 128, 129, 300, 1000]) {
      for (const scale of [1e-3, 1, 1e6]) cases.push(Array.from({length: n}, () => rand() * scale))
    }
    const script = 'import sys, json, numpy as np\nfor line in sys.stdin:\n    print(float(np.mean(np.array(json.loads(line), dtype=np.float64))).hex())\n'
    const file = join(tmp(), 'mean.py')
    writeFileSync(file, script)
    // JSON numbers round-trip exactly between JS and Python (both print shortest round-trip digits).
    const out = (await runPython(file, [], {input: cases.map((c) => JSON.stringify(c)).join('\n') + '\n'})).trim().split('\n')
    expect(out).toHaveLength(cases.length)
    out.forEach((hex, i) => expect(numpyMean(cases[i] as number[]), `case ${i}`).toBe(pyHexToNumber(hex)))
    // and a plain left-to-right sum would not have been enough for at least one case
    expect(cases.some((c, i) => c.reduce((a, b) => a + b, 0) / c.length !== pyHexToNumber(out[i] as string))).toBe(true)
  })
})

