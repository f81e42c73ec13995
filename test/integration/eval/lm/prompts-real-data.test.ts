import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {partitionByCategory, readIclFile, type IclDataset} from '../../../../src/eval/lm/icl-data.js'
import {buildPromptTexts, needsPrefixSpace, prepareTask, type PromptText} from '../../../../src/eval/lm/prompts.js'
import {loadLmSuite, type LmTask} from '../../../../src/eval/lm/suite.js'
import {loadTokenizer} from '../../../../src/tokenizers/index.js'
import {runPython} from '../../../helpers/python.js'
import {repoRoot} from '../../../helpers/cli.js'
import {sharedDir} from '../../../helpers/shared.js'

// The real CORE task files in shared/data/icl (verbatim from llm-foundry's local_data, see
// shared/data/SOURCES.md), prompted by dcbench and by a plain-Python restatement of llm-foundry 0.9.0
// running on CPython's own random/set/str (test/helpers/llm_foundry_prompts.py).
const suite = loadLmSuite('dclm-53')
const icl = join(sharedDir(), 'data', 'icl')
const core = suite.tasks.filter((t) => suite.core.includes(t.label))
const present = core.filter((t) => existsSync(join(icl, t.dataset)))
const absent = core.filter((t) => !existsSync(join(icl, t.dataset))).map((t) => t.label)
const LIMIT = 40

function settings(task: LmTask): Record<string, unknown> {
  return {
    num_fewshot: task.numFewshot, fewshot_random_seed: task.fewshotRandomSeed, prompt_string: task.promptString, example_delimiter: task.exampleDelimiter,
    continuation_delimiter: task.continuationDelimiter, prelimiter: task.questionPrelimiter, cot_delimiter: task.cotDelimiter,
  }
}

describe('prompt construction on the real CORE task files', () => {
  it('finds 18 of the 22 CORE files and reports the absent ones', () => {
    expect(present).toHaveLength(18)
    expect(absent.sort()).toEqual(['coqa', 'hellaswag', 'hellaswag_zeroshot', 'squad'])
  })

  it('builds the same prompt strings as llm-foundry 0.9.0 (first 40 examples of every part)', async () => {
    const cases: {file: string; type: string; settings: unknown; prefix_space: boolean; limit: number; category?: string}[] = []
    const ours: PromptText[][] = []
    for (const task of present) {
      const file = join(icl, task.dataset)
      const data = readIclFile(file, task.type)
      const parts: {category?: string; dataset: IclDataset}[] = task.hasCategories ? partitionByCategory(data, file) : [{dataset: data}]
      for (const part of parts) {
        cases.push({file, type: task.type, settings: settings(task), prefix_space: true, limit: LIMIT, ...(part.category === undefined ? {} : {category: part.category})})
        ours.push(buildPromptTexts(part.dataset, task, true).slice(0, LIMIT))
      }
    }
    const expected = JSON.parse(await runPython(join(repoRoot, 'test/helpers/llm_foundry_prompts.py'), [], {input: JSON.stringify(cases)})) as PromptText[][]
    expect(ours.length).toBeGreaterThan(present.length) // jeopardy splits into its categories
    for (let i = 0; i < cases.length; i++) expect(ours[i], `${cases[i]!.file} ${cases[i]!.category ?? ''}`).toEqual(expected[i])
  }, 300_000)

  it('tokenizes with GPT-NeoX-20B: preamble and context separately, trimmed from the left to 2048', () => {
    const tokenizer = loadTokenizer(join(sharedDir(), 'data', 'tokenizers', 'gpt-neox-20b', 'tokenizer.json'))
    expect(needsPrefixSpace(tokenizer)).toBe(true)
    const arc = suite.tasks.find((t) => t.label === 'arc_easy')!
    const data = readIclFile(join(icl, arc.dataset), arc.type)
    const prepared = prepareTask({...data, examples: data.examples.slice(0, 30)} as IclDataset, arc, {tokenizer, maxSeqLen: 2048})
    const texts = buildPromptTexts({...data, examples: data.examples.slice(0, 30)} as IclDataset, arc, true)
    prepared.examples.forEach((ex, i) => {
      if (ex.type !== 'multiple_choice') throw new Error('expected multiple choice')
      const t = texts[i]!
      const context = [...tokenizer.encode(t.preamble), ...tokenizer.encode(t.contexts[0]!)]
      expect(ex.choices).toHaveLength(t.continuations.length)
      ex.choices.forEach((choice, c) => {
        const cont = tokenizer.encode(t.continuations[c]!)
        expect(choice.tokens.slice(choice.contStart)).toEqual(cont)
        expect(choice.tokens.slice(0, choice.contStart)).toEqual(context.slice(-Math.min(context.length, 2048 - cont.length)))
      })
      // the separate tokenization differs from encoding the joined text at the seam ("\n" + "Question")
      expect(tokenizer.decode(ex.choices[0]!.tokens)).toBe(t.preamble + t.contexts[0]! + t.continuations[0]!)
    })
    // a short window forces the left trim
    const short = prepareTask({...data, examples: data.examples.slice(0, 5)} as IclDataset, arc, {tokenizer, maxSeqLen: 64})
    for (const ex of short.examples) if (ex.type === 'multiple_choice') for (const c of ex.choices) expect(c.tokens.length).toBeLessThanOrEqual(64)
  })
})
