import {describe, expect, it} from 'vitest'

import {aggregateAllVersions, applyAggregation, centeredAccuracy, recheckAggregates, type AggregationMeta, type EvalRecord} from '../../../../src/eval/dclm/aggregate.js'
import {groupMeans, seriesMean} from '../../../../src/eval/dclm/pandas-mean.js'
import {parsePythonJson, pythonJsonDumps} from '../../../../src/util/python-json.js'
import {dclmAggregationMeta, loadLmSuite} from '../../../../src/eval/lm/suite.js'
import {formatScore} from '../../../../src/ui/dclm-eval-report.js'

const meta: AggregationMeta = dclmAggregationMeta()
const labels = meta.tasks.map((t) => t.label)
const core = meta.lists.low_variance_datasets!

/** A deterministic accuracy per task: spread over [0.05, 0.95] so centered values are positive and negative. */
function accuracies(except: string[] = []): Record<string, number> {
  return Object.fromEntries(labels.map((l, i) => [l, 0.05 + ((i * 37) % 91) / 100] as const).filter(([l]) => !except.includes(l)))
}

/** Plain arithmetic mean: the definition, without pandas' summation order. */
function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length
}

function baseline(label: string, version: 'v1' | 'v2'): number {
  return meta.tasks.find((t) => t.label === label)!.randomBaseline[version]
}

describe('centered accuracy', () => {
  it('reproduces the spec worked example for boolq (DCLM-7B, baseline 62)', () => {
    expect(centeredAccuracy(0.8284403681755066, 62)).toBeCloseTo(0.5485, 4)
  })

  it('goes negative below the baseline (the OLMo-1B boolq case of dclm#114)', () => {
    expect(centeredAccuracy(0.54, 62)).toBeCloseTo(-0.2105, 4)
  })

  it('is the raw accuracy when the baseline is 0 (LM and generation tasks)', () => {
    expect(centeredAccuracy(0.37, 0)).toBe(0.37)
  })
})

describe('display', () => {
  it('prints the spec worked values the way the README does (×100, one decimal)', () => {
    expect(formatScore(0.5596126827249299)).toBe('56.0')
    expect(formatScore(0.5713606422986358)).toBe('57.1')
    expect(formatScore(0.4425599551383186)).toBe('44.3')
    expect(formatScore(0.6368585218463028)).toBe('63.7')
    expect(formatScore('N/A due to missing tasks: []')).toBe('N/A due to missing tasks: []')
  })
})

describe('DCLM aggregation', () => {
  it('computes CORE as the mean centered accuracy over the 22 low-variance tasks, per baseline version', () => {
    const icl = accuracies()
    const out = aggregateAllVersions({eval_metrics: {icl}}, meta)
    for (const version of ['v1', 'v2'] as const) {
      const expected = mean(core.map((l) => centeredAccuracy(icl[l]!, baseline(l, version))))
      expect(out[`Core_${version}`]).toBeCloseTo(expected, 14)
      const extended = mean(labels.map((l) => centeredAccuracy(icl[l]!, baseline(l, version))))
      expect(out[`Extended_${version}`]).toBeCloseTo(extended, 14)
    }
    expect(out.Core).toBe(out.Core_v2)
    expect(out.Extended).toBe(out.Extended_v2)
    expect(out.low_variance_datasets_centered).toBe(out.Core_v2)
    expect(out.aggregated_centered_results).toBe(out.Extended_v2)
    expect(out.aggregated_results).toBeCloseTo(mean(labels.map((l) => icl[l]!)), 14)
    expect(out['missing tasks']).toBe('[]')
    expect(out.eval_version).toBe('v2')
    // v1 and v2 differ only through the 12 changed baselines (spec §6): commonsense_qa is one of them.
    expect(out.Core_v1).not.toBe(out.Core_v2)
  })

  it('writes the keys in the order DCLM writes them (v1 pass, then v2)', () => {
    const out = aggregateAllVersions({name: 'eval/heavy', eval_metrics: {icl: accuracies()}}, meta)
    expect(Object.keys(out)).toEqual([
      'name', 'eval_metrics', 'missing tasks', 'aggregated_task_categories_centered', 'aggregated_centered_results', 'aggregated_results',
      'rw_small', 'rw_small_centered', '95%_CI_above', '95%_CI_above_centered', '99%_CI_above', '99%_CI_above_centered',
      'low_variance_datasets', 'low_variance_datasets_centered', 'Core_v1', 'Extended_v1', 'eval_version', 'Core_v2', 'Extended_v2', 'Core', 'Extended',
    ])
    expect(Object.keys(out.aggregated_task_categories_centered as object)).toEqual([
      'commonsense reasoning', 'language understanding', 'reading comprehension', 'safety', 'symbolic problem solving', 'world knowledge',
    ])
  })

  it('reports missing CORE tasks in list order and missing EXTENDED tasks in CSV order, as Python list reprs', () => {
    const out = aggregateAllVersions({eval_metrics: {icl: accuracies(['coqa', 'squad', 'gpqa_main', 'mmlu_zeroshot'])}}, meta)
    expect(out['missing tasks']).toBe("['mmlu_zeroshot', 'squad', 'coqa', 'gpqa_main']")
    expect(out.Core_v2).toBe("N/A due to missing tasks: ['squad', 'coqa']")
    expect(out.Core_v1).toBe("N/A due to missing tasks: ['squad', 'coqa']")
    expect(out.Extended_v2).toBe("N/A due to missing tasks: ['mmlu_zeroshot', 'squad', 'coqa', 'gpqa_main']")
    expect(out.Core).toBe(out.Core_v2)
    // The unversioned means still average what is present.
    const present = core.filter((l) => l !== 'coqa' && l !== 'squad')
    const icl = accuracies()
    expect(out.low_variance_datasets_centered).toBeCloseTo(mean(present.map((l) => centeredAccuracy(icl[l]!, baseline(l, 'v2')))), 14)
  })

  it('keeps CORE numeric when only non-CORE tasks are missing, while EXTENDED is N/A', () => {
    const out = aggregateAllVersions({eval_metrics: {icl: accuracies(['gsm8k_cot'])}}, meta)
    expect(typeof out.Core_v2).toBe('number')
    expect(out.Extended_v2).toBe("N/A due to missing tasks: ['gsm8k_cot']")
  })

  it('skips NaN accuracies in every mean but does not count them as missing', () => {
    const icl: Record<string, number> = {...accuracies(), squad: Number.NaN}
    const out = aggregateAllVersions({eval_metrics: {icl}}, meta)
    expect(out['missing tasks']).toBe('[]')
    const present = core.filter((l) => l !== 'squad')
    expect(out.Core_v2).toBeCloseTo(mean(present.map((l) => centeredAccuracy(icl[l]!, baseline(l, 'v2')))), 14)
  })

  it('gives NaN for a category with no task present, and ignores tasks and list entries that are not CSV rows', () => {
    const safety = meta.tasks.filter((t) => t.category === 'safety').map((t) => t.label)
    const base = accuracies(safety)
    const withLegacy = {...base, gsm8k: 1, svamp: 1, agi_eval_sat_math: 1, aqua: 1}
    const a = aggregateAllVersions({eval_metrics: {icl: base}}, meta)
    const b = aggregateAllVersions({eval_metrics: {icl: withLegacy}}, meta)
    expect((a.aggregated_task_categories_centered as Record<string, number>).safety).toBeNaN()
    for (const key of ['95%_CI_above', '95%_CI_above_centered', '99%_CI_above', 'aggregated_results', 'Core_v2']) expect(b[key]).toBe(a[key])
    // 95%_CI_above lists 30 names but only 28 are CSV tasks: all 28 at 0.5 → exactly 0.5 even with gsm8k at 1.
    const flat = Object.fromEntries(labels.map((l) => [l, 0.5]))
    const c = aggregateAllVersions({eval_metrics: {icl: {...flat, gsm8k: 1, svamp: 1}}}, meta)
    expect(c['95%_CI_above']).toBe(0.5)
    expect(c['99%_CI_above']).toBe(0.5)
  })

  it('migrates an old file: unversioned Core/Extended become the v1 keys, then point to v2', () => {
    const old: EvalRecord = {eval_metrics: {icl: accuracies()}, Core: 0.123, Extended: 0.456}
    const out = applyAggregation(old, meta, 'v2')
    expect(out.Core_v1).toBe(0.123)
    expect(out.Extended_v1).toBe(0.456)
    expect(out.Core).toBe(out.Core_v2)
    expect(out.Extended).toBe(out.Extended_v2)
  })

  it('a v1-only pass writes the v1 keys and leaves the unversioned ones alone', () => {
    const out = applyAggregation({eval_metrics: {icl: accuracies()}}, meta, 'v1')
    expect(out.eval_version).toBe('v1')
    expect(typeof out.Core_v1).toBe('number')
    expect('Core' in out).toBe(false)
  })
})

describe('re-checking stored aggregates', () => {
  const written = aggregateAllVersions({name: 'eval/heavy', eval_metrics: {icl: accuracies(['gpqa_main'])}}, meta)
  const roundTripped = parsePythonJson(pythonJsonDumps(written, {indent: 4})) as EvalRecord

  it('finds nothing to flag in a file it wrote (through Python-style JSON and back)', () => {
    const result = recheckAggregates(roundTripped, meta)
    expect(result.disagreements).toEqual([])
    expect(result.compared.length).toBeGreaterThan(15)
    expect(result.storedVersion).toBe('v2')
  })

  it('flags a changed CORE, a changed category mean and a wrong N/A string', () => {
    const tampered = structuredClone(roundTripped)
    tampered.Core_v2 = (tampered.Core_v2 as number) + 1e-12
    ;(tampered.aggregated_task_categories_centered as Record<string, number>).safety = 0.5
    tampered.Extended_v1 = "N/A due to missing tasks: ['gpqa_diamond']"
    const keys = recheckAggregates(tampered, meta).disagreements.map((d) => d.key)
    expect(keys).toEqual(['aggregated_task_categories_centered.safety', 'Extended_v1', 'Core_v2'])
    expect(recheckAggregates(tampered, meta, {tolerance: 1e-9}).disagreements.map((d) => d.key)).not.toContain('Core_v2')
  })

  it('reads unversioned aggregates of a file without eval_version as v1', () => {
    const icl = accuracies()
    const v1 = applyAggregation({eval_metrics: {icl}}, meta, 'v1')
    const legacy: EvalRecord = {...v1, Core: v1.Core_v1, Extended: v1.Extended_v1}
    delete legacy.eval_version
    delete legacy.Core_v1
    delete legacy.Extended_v1
    const result = recheckAggregates(legacy, meta)
    expect(result.storedVersion).toBe('v1')
    expect(result.disagreements).toEqual([])
  })
})

describe('pandas means', () => {
  it('Series.mean skips NaN, and is NaN when nothing is left', () => {
    expect(seriesMean([1, Number.NaN, 3])).toBe(2)
    expect(seriesMean([Number.NaN])).toBeNaN()
    expect(seriesMean([])).toBeNaN()
  })

  it('sums pairwise in blocks of 8 like numpy, not left to right', () => {
    // 1e16 absorbs a lone 1.0 but not 8 ones summed apart first: the two orders give different results.
    const values = [1e16, ...Array.from({length: 15}, () => 1)]
    const naive = values.reduce((a, b) => a + b, 0) / values.length
    expect(seriesMean(values)).not.toBe(naive)
    const r0 = 1e16 + 1 // the 9th value lands on accumulator 0; the others hold 1 + 1
    expect(seriesMean(values)).toBe((r0 + 2 + (2 + 2) + (2 + 2 + (2 + 2))) / 16)
  })

  it('groupby mean uses Kahan compensation and sorts keys', () => {
    const keys = ['b', 'a', 'b', 'b', 'b']
    const values = [1e16, 5, 1, 1, Number.NaN]
    const means = groupMeans(keys, values)
    expect([...means.keys()]).toEqual(['a', 'b'])
    expect(means.get('a')).toBe(5)
    expect(means.get('b')).toBe((1e16 + 2) / 3)
    expect(means.get('b')).not.toBe((1e16 + 1 + 1) / 3)
  })
})

describe('the suite behind the tables', () => {
  it('is the 53-task suite', () => {
    expect(loadLmSuite('dclm-53').tasks).toHaveLength(53)
  })
})
