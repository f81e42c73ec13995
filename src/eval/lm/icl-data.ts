import {readFileSync} from 'node:fs'

import {DcbError} from '../../errors.js'
import {comparePython} from '../dclm/pandas-mean.js'
import {pyStrip} from './python-text.js'
import type {IclTaskType} from './suite.js'

/**
 * llm-foundry 0.9.0's ICL JSONL format, one JSON object per line (llmfoundry/eval/datasets/
 * in_context_learning_evaluation.py at the v0.9.0 tag; spec dclm.md §5):
 *
 * | type | fields |
 * |---|---|
 * | language_modeling | `context`, `continuation` |
 * | multiple_choice | `query`, `choices` (strings), `gold` (index into choices) |
 * | schema | `context_options` (strings), `continuation`, `gold` (index into context_options) |
 * | generation_task_with_answers | `context`, `answer`, optional `aliases` (strings), optional `chain_of_thought` |
 *
 * Any type may carry `category` (tasks with `has_categories` are split by it). As llm-foundry's
 * `strip_data` does, every top-level string value is `str.strip()`ped after reading; list items
 * (choices, context options, aliases) are not.
 */

/** A language-modelling example: the model must reproduce `continuation` greedily after `context`. */
export interface LmExample {
  context: string
  continuation: string
  category?: string
}

/** A multiple-choice example: `query` followed by each of `choices`; `choices[gold]` is right. */
export interface McExample {
  query: string
  choices: string[]
  gold: number
  category?: string
}

/** A schema example: each of `context_options` followed by the shared `continuation`. */
export interface SchemaExample {
  context_options: string[]
  continuation: string
  gold: number
  category?: string
}

/** A generation example: greedy output after `context` must start with `answer` or an alias. */
export interface GenerationExample {
  context: string
  answer: string
  /** llm-foundry's `set([answer] + aliases)`: the answer and its aliases, deduplicated, unstripped. */
  aliases: string[]
  /** Only when the file has a `chain_of_thought` column (`has_cot`); '' for rows without one. */
  chain_of_thought: string
  category?: string
}

/** The examples of one task file, typed by ICL task type. */
export type IclDataset =
  | {type: 'language_modeling'; examples: LmExample[]}
  | {type: 'multiple_choice'; examples: McExample[]}
  | {type: 'schema'; examples: SchemaExample[]}
  | {
      type: 'generation_task_with_answers'
      examples: GenerationExample[]
      /** The file has a `chain_of_thought` column: few-shot answers are `cot + cot_delimiter + answer`. */
      hasCot: boolean
      /** Each row's chain of thought before `strip_data` (llm-foundry measures answer lengths on it). */
      rawCot: string[]
    }

type Row = Record<string, unknown>

/** Reads an ICL JSONL file; every problem names the file, the line and the field. */
export function readIclFile(file: string, type: IclTaskType): IclDataset {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message
    throw new DcbError('DCB_ICL_DATA', `${file}: cannot read: ${reason}`)
  }
  return parseIclJsonl(text, type, file)
}

/** Parses ICL JSONL text (see readIclFile). */
export function parseIclJsonl(text: string, type: IclTaskType, source = 'icl data'): IclDataset {
  const rows: {row: Row; line: number}[] = []
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (error) {
      throw new DcbError('DCB_ICL_DATA', `${source}:${i + 1}: not JSON: ${(error as Error).message}`)
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new DcbError('DCB_ICL_DATA', `${source}:${i + 1}: expected a JSON object per line`)
    rows.push({row: value as Row, line: i + 1})
  })
  if (rows.length === 0) throw new DcbError('DCB_ICL_DATA', `${source}: no examples`)
  const where = (line: number, field: string): string => `${source}:${line}: ${field}`
  const str = (row: Row, line: number, field: string): string => {
    const v = row[field]
    if (typeof v !== 'string') throw new DcbError('DCB_ICL_DATA', `${where(line, field)}: expected a string (${type} format), received ${describe(v)}`)
    return v
  }
  const strList = (row: Row, line: number, field: string, allowEmpty = false): string[] => {
    const v = row[field]
    if (!Array.isArray(v) || (v.length === 0 && !allowEmpty) || v.some((x) => typeof x !== 'string')) {
      throw new DcbError('DCB_ICL_DATA', `${where(line, field)}: expected a ${allowEmpty ? '' : 'non-empty '}list of strings (${type} format), received ${describe(v)}`)
    }
    return v as string[]
  }
  const gold = (row: Row, line: number, count: number): number => {
    const v = row.gold
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= count) {
      throw new DcbError('DCB_ICL_DATA', `${where(line, 'gold')}: expected an index below ${count}, received ${describe(v)}`)
    }
    return v
  }
  const category = (row: Row, line: number): {category?: string} => {
    const v = row.category
    if (v === undefined || v === null) return {}
    if (typeof v !== 'string') throw new DcbError('DCB_ICL_DATA', `${where(line, 'category')}: expected a string, received ${describe(v)}`)
    return {category: v}
  }
  switch (type) {
    case 'language_modeling':
      return {type, examples: rows.map(({row, line}) => ({context: pyStrip(str(row, line, 'context')), continuation: pyStrip(str(row, line, 'continuation')), ...category(row, line)}))}
    case 'multiple_choice':
      return {
        type,
        examples: rows.map(({row, line}) => {
          const choices = strList(row, line, 'choices')
          return {query: pyStrip(str(row, line, 'query')), choices, gold: gold(row, line, choices.length), ...category(row, line)}
        }),
      }
    case 'schema':
      return {
        type,
        examples: rows.map(({row, line}) => {
          const options = strList(row, line, 'context_options')
          return {context_options: options, continuation: pyStrip(str(row, line, 'continuation')), gold: gold(row, line, options.length), ...category(row, line)}
        }),
      }
    case 'generation_task_with_answers': {
      const hasCot = rows.some(({row}) => 'chain_of_thought' in row)
      const rawCot: string[] = []
      const examples = rows.map(({row, line}): GenerationExample => {
        const answer = str(row, line, 'answer')
        const aliases = row.aliases === undefined || row.aliases === null ? [] : strList(row, line, 'aliases', true)
        const cot = row.chain_of_thought
        if (cot !== undefined && cot !== null && typeof cot !== 'string') throw new DcbError('DCB_ICL_DATA', `${where(line, 'chain_of_thought')}: expected a string, received ${describe(cot)}`)
        rawCot.push(typeof cot === 'string' ? cot : '')
        return {
          context: pyStrip(str(row, line, 'context')),
          answer: pyStrip(answer),
          aliases: [...new Set([answer, ...aliases])],
          chain_of_thought: typeof cot === 'string' ? pyStrip(cot) : '',
          ...category(row, line),
        }
      })
      return {type, examples, hasCot, rawCot}
    }
  }
}

/**
 * llm-foundry's `partition_dataset_by_category`: one dataset per `category` value, categories in
 * Python `sorted` order, rows in file order. Each part is then evaluated as its own task (own
 * few-shot sampler) and DCLM reports the unweighted mean over the parts.
 */
export function partitionByCategory(dataset: IclDataset, source = 'icl data'): {category: string; dataset: IclDataset}[] {
  const examples = dataset.examples as {category?: string}[]
  const missing = examples.findIndex((e) => e.category === undefined)
  if (missing >= 0) throw new DcbError('DCB_ICL_DATA', `${source}: example ${missing + 1} has no 'category' (the task has has_categories)`)
  const categories = [...new Set(examples.map((e) => e.category!))].sort(comparePython)
  return categories.map((category) => {
    const keep = examples.map((e, i) => (e.category === category ? i : -1)).filter((i) => i >= 0)
    const part = {...dataset, examples: keep.map((i) => dataset.examples[i]!)} as IclDataset
    if (part.type === 'generation_task_with_answers' && dataset.type === 'generation_task_with_answers') part.rawCot = keep.map((i) => dataset.rawCot[i]!)
    return {category, dataset: part}
  })
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}…` : value)}`
  return `${typeof value} ${JSON.stringify(value)}`
}
