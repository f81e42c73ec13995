import {describe, expect, it} from 'vitest'

import {parseIclJsonl, partitionByCategory} from '../../../../src/eval/lm/icl-data.js'
import {buildPromptTexts, trimContext} from '../../../../src/eval/lm/prompts.js'
import type {LmTask} from '../../../../src/eval/lm/suite.js'

const lines = (...rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n')
const settings = (type: LmTask['type'], extra: Partial<LmTask> = {}) => ({
  type, numFewshot: 0, promptString: '', exampleDelimiter: '\n', continuationDelimiter: ' ', questionPrelimiter: '', cotDelimiter: '', fewshotRandomSeed: 1234, ...extra,
})

describe('ICL JSONL readers', () => {
  it('names the file, line and field of a bad record', () => {
    expect(() => parseIclJsonl(lines({query: 'q', choices: ['a', 'b'], gold: 2}), 'multiple_choice', 'f.jsonl')).toThrow('f.jsonl:1: gold: expected an index below 2, received number 2')
    expect(() => parseIclJsonl(`${lines({context: 'c', continuation: 'x'})}\n{oops`, 'language_modeling', 'f.jsonl')).toThrow(/^f\.jsonl:2: not JSON/)
    expect(() => parseIclJsonl(lines({context_options: 'ab', continuation: 'x', gold: 0}), 'schema', 'f.jsonl')).toThrow('f.jsonl:1: context_options: expected a non-empty list of strings (schema format), received the string "ab"')
    expect(() => parseIclJsonl(lines({context: 'c'}), 'generation_task_with_answers', 'f.jsonl')).toThrow('f.jsonl:1: answer: expected a string')
  })

  it('strips top-level strings with Python whitespace (U+001F yes, U+FEFF no), never list items', () => {
    const d = parseIclJsonl(lines({query: '\u001f Q \u0085', choices: [' a ', 'b\n'], gold: 0}, {query: '\ufeffQ', choices: ['x'], gold: 0}), 'multiple_choice')
    if (d.type !== 'multiple_choice') throw new Error('type')
    expect(d.examples[0]).toEqual({query: 'Q', choices: [' a ', 'b\n'], gold: 0})
    expect(d.examples[1]!.query).toBe('\ufeffQ')
  })

  it('deduplicates answer + aliases (llm-foundry set) and spots chain_of_thought', () => {
    const d = parseIclJsonl(lines({context: 'c', answer: 'A', aliases: ['A', 'B']}, {context: 'd', answer: 'C', chain_of_thought: ' think '}), 'generation_task_with_answers')
    if (d.type !== 'generation_task_with_answers') throw new Error('type')
    expect(d.examples[0]!.aliases).toEqual(['A', 'B'])
    expect(d.hasCot).toBe(true)
    expect(d.examples[1]!.chain_of_thought).toBe('think')
    expect(d.rawCot).toEqual(['', ' think '])
  })

  it('partitions by category in Python sorted order, rows in file order', () => {
    const d = parseIclJsonl(lines({context: '1', continuation: 'x', category: 'b'}, {context: '2', continuation: 'x', category: 'B'}, {context: '3', continuation: 'x', category: 'b'}), 'language_modeling')
    expect(partitionByCategory(d).map((p) => [p.category, p.dataset.examples.map((e) => (e as {context: string}).context)])).toEqual([['B', ['2']], ['b', ['1', '3']]])
    expect(() => partitionByCategory(parseIclJsonl(lines({context: '1', continuation: 'x'}), 'language_modeling'), 'f')).toThrow("f: example 1 has no 'category'")
  })
})

describe('prompt construction quirks of llm-foundry 0.9.0', () => {
  it('schema: no continuation delimiter without a preamble; prelimiter before the example delimiter with one', () => {
    const d = parseIclJsonl(lines({context_options: ['A', 'B'], continuation: 'end.', gold: 1}, {context_options: ['C', 'D'], continuation: 'fin.', gold: 0}), 'schema')
    expect(buildPromptTexts(d, settings('schema', {questionPrelimiter: 'P:'}), true)[0]).toEqual({preamble: '', contexts: ['P:A', 'P:B'], continuations: [' end.']})
    const shot = buildPromptTexts(d, settings('schema', {numFewshot: 1, questionPrelimiter: 'P:', continuationDelimiter: ' - '}), true)[0]!
    expect(shot).toEqual({preamble: 'P:C - fin.', contexts: ['P:\nA -', 'P:\nB -'], continuations: [' end.']})
  })

  it('LM: few-shot answers follow the delimiter verbatim, the test answer gets the prefix space; the context is rstripped', () => {
    const d = parseIclJsonl(lines({context: 'one', continuation: 'two'}, {context: 'three', continuation: 'four'}), 'language_modeling')
    const [first] = buildPromptTexts(d, settings('language_modeling', {numFewshot: 1, continuationDelimiter: '\nAnswer: '}), true)
    expect(first).toEqual({preamble: 'three\nAnswer: four', contexts: ['\none\nAnswer:'], continuations: [' two']})
    const [noSpace] = buildPromptTexts(d, settings('language_modeling'), false)
    expect(noSpace!.continuations).toEqual(['two'])
  })

  it('trims contexts from the left with Python slice semantics', () => {
    expect(trimContext([1, 2, 3, 4], [9], 3)).toEqual([3, 4])
    expect(trimContext([1, 2], [9], 3)).toEqual([1, 2])
    expect(trimContext([1, 2, 3], [], 0)).toEqual([1, 2, 3]) // x[-0:] is the whole list
    expect(() => trimContext([1], [1, 2, 3], 2, 'f')).toThrow("f: a continuation of 3 tokens is longer than the model's 2-token context")
  })
})
