import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'
import {parse, stringify} from 'yaml'

import {loadLmSuite, loadLmSuiteFile} from '../../../../src/eval/lm/suite.js'
import {packageRoot} from '../../../../src/util/paths.js'
import {sharedDir} from '../../../helpers/shared.js'

const suite = loadLmSuite('dclm-53')
const count = <T>(items: T[], key: (item: T) => string): Record<string, number> =>
  items.reduce<Record<string, number>>((acc, item) => ({...acc, [key(item)]: (acc[key(item)] ?? 0) + 1}), {})

describe('the DCLM 53-task suite (spec dclm.md §5.1)', () => {
  it('has the spec counts by category, ICL type and CORE membership', () => {
    expect(suite.tasks).toHaveLength(53)
    expect(count(suite.tasks, (t) => t.category)).toEqual({
      'symbolic problem solving': 15, 'world knowledge': 10, 'language understanding': 8, 'commonsense reasoning': 8, 'reading comprehension': 8, safety: 4,
    })
    expect(count(suite.tasks, (t) => t.type)).toEqual({multiple_choice: 33, language_modeling: 13, generation_task_with_answers: 5, schema: 2})
    const core = suite.tasks.filter((t) => suite.core.includes(t.label))
    expect(core).toHaveLength(22)
    expect(count(core, (t) => t.type)).toEqual({multiple_choice: 11, language_modeling: 9, schema: 2})
    expect(count(core, (t) => t.category)).toEqual({
      'language understanding': 6, 'symbolic problem solving': 5, 'world knowledge': 4, 'commonsense reasoning': 4, 'reading comprehension': 3,
    })
    expect(suite.core).not.toContain('mmlu_fewshot')
    expect(suite.mmluTask).toBe('mmlu_fewshot')
  })

  it('has the 12 baseline changes of v1 → v2 and no others', () => {
    const changed = Object.fromEntries(suite.tasks.filter((t) => t.randomBaseline.v1 !== t.randomBaseline.v2).map((t) => [t.label, [t.randomBaseline.v1, t.randomBaseline.v2]]))
    expect(changed).toEqual({
      siqa: [33.3, 50], commonsense_qa: [20, 40.3], bigbench_novel_concepts: [20, 25], bigbench_language_identification: [9.1, 25],
      bigbench_conceptual_combinations: [25, 33], bigbench_elementary_math_qa: [20, 25], agi_eval_lsat_ar: [20, 25], bigbench_logical_deduction: [20, 25],
      logi_qa: [27, 25], agi_eval_lsat_rc: [20, 25], agi_eval_lsat_lr: [20, 25], bigbench_understanding_fables: [20, 25],
    })
  })

  it('resolves llm-foundry 0.9.0 defaults for unset ICL settings', () => {
    const copa = suite.tasks.find((t) => t.label === 'copa')!
    expect(copa).toMatchObject({continuationDelimiter: ' ', exampleDelimiter: '\n', promptString: '', questionPrelimiter: '', fewshotRandomSeed: 1234, numFewshot: 0})
    const gsm8k = suite.tasks.find((t) => t.label === 'gsm8k_cot')!
    expect(gsm8k).toMatchObject({cotDelimiter: ' #### ', questionPrelimiter: 'Q: ', earlyStoppingCriteria: ['\n\n', 'Q:', 'Q: '], continuationDelimiter: "\nA: Let's think step by step. "})
    expect(suite.tasks.filter((t) => t.hasCategories).map((t) => t.label)).toEqual(['mmlu_zeroshot', 'jeopardy', 'mmlu_fewshot', 'bbq'])
    expect(suite.maxSeqLen).toBe(2048)
  })

  it('counts the effective members of the extra aggregation lists (legacy names are not tasks)', () => {
    const labels = new Set(suite.tasks.map((t) => t.label))
    const effective = Object.fromEntries(Object.entries(suite.aggregation.lists).map(([k, v]) => [k, [v.length, v.filter((l) => labels.has(l)).length]]))
    expect(effective).toEqual({rw_small: [6, 6], '95%_CI_above': [30, 28], '99%_CI_above': [25, 23], low_variance_datasets: [22, 22]})
  })

  it('matches the task table of shared/spec/dclm.md §5.1 row by row', () => {
    const spec = readFileSync(join(sharedDir(), 'spec', 'dclm.md'), 'utf8')
    const rows = spec.split('\n').filter((l) => /^\| \d+ \| `/.test(l)).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()))
    expect(rows).toHaveLength(53)
    rows.forEach(([, label, category, type, shots, n, b1, b2, core, extras], i) => {
      const task = suite.tasks[i]!
      expect(task.label).toBe(label!.replaceAll('`', ''))
      expect([task.category, task.type, task.numFewshot, task.datapoints]).toEqual([category, type, Number(shots), Number(n)])
      expect([task.randomBaseline.v1, task.randomBaseline.v2]).toEqual([Number(b1), Number(b2!.replaceAll('*', ''))])
      expect(suite.core.includes(task.label)).toBe(core === '✓')
      expect(task.hasCategories).toBe(extras!.includes('has_categories'))
      expect(extras).toContain(`data=${task.dataset}`)
    })
  })
})

describe('suite file checks', () => {
  const original = parse(readFileSync(join(packageRoot(), 'evaluators/dclm/suite.yaml'), 'utf8'))
  const write = (mutate: (d: any) => void): string => {
    const data = structuredClone(original)
    mutate(data)
    const file = join(mkdtempSync(join(tmpdir(), 'dcbench-suite-')), 'suite.yaml')
    writeFileSync(file, stringify(data))
    return file
  }

  it.each([
    ['a duplicated label', (d: any) => (d.tasks[1].label = d.tasks[0].label), /tasks\.1\.label: 'mmlu_zeroshot' appears twice/],
    ['a negative shot count', (d: any) => (d.tasks[2].num_fewshot = -1), /tasks\.2\.num_fewshot/],
    ['an unknown ICL type', (d: any) => (d.tasks[0].icl_task_type = 'ranking'), /tasks\.0\.icl_task_type/],
    ['a CORE task that is not in the suite', (d: any) => d.aggregations.low_variance_datasets.push('nope'), /'nope' is not a task/],
    ['a cot delimiter on a multiple-choice task', (d: any) => (d.tasks[0].cot_delimiter = '#'), /tasks\.0\.cot_delimiter: only generation/],
    ['an unknown key', (d: any) => (d.tasks[0].shots = 3), /tasks\.0/],
  ])('rejects %s, naming the file and field', (_what, mutate, message) => {
    const file = write(mutate)
    expect(() => loadLmSuiteFile(file)).toThrow(message)
    expect(() => loadLmSuiteFile(file)).toThrow(file)
  })

  it('rejects an unknown suite name with the valid ones', () => {
    expect(() => loadLmSuite('dclm-54')).toThrow(/unknown LM eval suite 'dclm-54'; valid: dclm-53/)
  })
})
