import {readFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {parse as parseYaml} from 'yaml'
import {z} from 'zod'

import {DcbError, unknownChoice} from '../../errors.js'
import {packageRoot} from '../../util/paths.js'
import {describeZodError} from '../../util/zod-issue.js'
import type {AggregationMeta} from '../dclm/aggregate.js'

/** llm-foundry 0.9.0's four ICL task types (spec dclm.md §5). */
export const ICL_TASK_TYPES = ['multiple_choice', 'schema', 'language_modeling', 'generation_task_with_answers'] as const
export type IclTaskType = (typeof ICL_TASK_TYPES)[number]

/** The ICL settings a task may set; unset ones take the suite's defaults (llm-foundry's defaults). */
const IclSettings = {
  /** Text once before all few-shot examples. */
  prompt_string: z.string(),
  /** Between examples (llm-foundry default "\n"). */
  example_delimiter: z.string(),
  /** Between a context and its answer (llm-foundry default " "). */
  continuation_delimiter: z.string(),
  /** Before every context, few-shot ones included (`question_prelimiter` in the yaml). */
  question_prelimiter: z.string(),
  /** Generation tasks with chain of thought: the answer is the text after the last one. */
  cot_delimiter: z.string(),
  /** Generation tasks: the output is cut at the first of these (a regex alternation, as llm-foundry builds it). */
  early_stopping_criteria: z.array(z.string()),
  /** Generation tasks: normalise output and answers (lower-case, no punctuation/articles) before matching. */
  do_normalization: z.boolean(),
  /** Seed of the few-shot sampler (Python's random.Random). */
  fewshot_random_seed: z.number().int().nonnegative(),
}

const SuiteDefaults = z.strictObject({
  /** Longest input the model sees; contexts are cut from the left to fit (llm-foundry trim_context). */
  max_seq_len: z.number().int().positive(),
  ...IclSettings,
  early_stopping_criteria: IclSettings.early_stopping_criteria.default([]),
})

const Baselines = z.strictObject({v1: z.number().lt(100), v2: z.number().lt(100)})

const TaskEntry = z.strictObject({
  /** The key in `eval_metrics.icl`. */
  label: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  /** DCLM's CSV "Task Category". */
  category: z.string().min(1),
  icl_task_type: z.enum(ICL_TASK_TYPES),
  num_fewshot: z.number().int().nonnegative(),
  /** JSONL file relative to the eval data folder. */
  dataset: z.string().min(1),
  /** Evaluate each `category` value separately and report the unweighted mean over categories. */
  has_categories: z.boolean().optional(),
  prompt_string: IclSettings.prompt_string.optional(),
  example_delimiter: IclSettings.example_delimiter.optional(),
  continuation_delimiter: IclSettings.continuation_delimiter.optional(),
  question_prelimiter: IclSettings.question_prelimiter.optional(),
  cot_delimiter: IclSettings.cot_delimiter.optional(),
  early_stopping_criteria: IclSettings.early_stopping_criteria.optional(),
  do_normalization: IclSettings.do_normalization.optional(),
  fewshot_random_seed: IclSettings.fewshot_random_seed.optional(),
  /** DCLM's CSV "Task Type" wording. */
  csv_task_type: z.enum(['multiple choice', 'language modeling', 'schema', 'question answering']),
  /** DCLM's CSV "#datapoints" (informative: the data file decides). */
  datapoints: z.number().int().positive(),
  /** DCLM's CSV "Random baseline" in percent, per table version. */
  random_baseline: Baselines,
})

const SuiteFile = z.strictObject({
  name: z.string(),
  /** The benchmark whose suite it is. */
  benchmark: z.string(),
  source: z.string(),
  /** The `name` written into the eval JSON. */
  eval_name: z.string(),
  current_version: z.enum(['v1', 'v2']),
  defaults: SuiteDefaults,
  tasks: z.array(TaskEntry).min(1),
  aggregations: z.record(z.string(), z.array(z.string())),
  /** The aggregation list that is CORE. */
  core_list: z.string(),
  /** The task reported as MMLU, if the suite has one. */
  mmlu_task: z.string().optional(),
  /** Named task sets an average top-1 error is taken over (Gadre et al.'s, spec dclm.md §9.1). */
  error_task_sets: z.record(z.string().regex(/^[a-z0-9_-]+$/), z.array(z.string()).min(1)).optional(),
  /** Synthetic suites: the task files are generated (src/eval/lm/tiny-suite.ts), not read from --data. */
  synthetic: z.strictObject({generator: z.literal('tiny-world-icl'), world_seed: z.number().int().nonnegative()}).optional(),
})

type SuiteFileData = z.infer<typeof SuiteFile>
type TaskEntryData = z.infer<typeof TaskEntry>

/** One task with every ICL setting resolved (task value, else suite default). */
export interface LmTask {
  label: string
  category: string
  type: IclTaskType
  numFewshot: number
  /** Relative to the data folder. */
  dataset: string
  hasCategories: boolean
  promptString: string
  exampleDelimiter: string
  continuationDelimiter: string
  questionPrelimiter: string
  cotDelimiter: string
  earlyStoppingCriteria: string[]
  doNormalization: boolean
  fewshotRandomSeed: number
  csvTaskType: TaskEntryData['csv_task_type']
  datapoints: number
  randomBaseline: {v1: number; v2: number}
}

/** An LM evaluation suite (evaluators/<folder>/suite.yaml). */
export interface LmSuite {
  name: string
  file: string
  source: string
  evalName: string
  maxSeqLen: number
  tasks: LmTask[]
  aggregation: AggregationMeta
  /** Labels of the CORE tasks, in list order. */
  core: string[]
  mmluTask?: string
  /** Named task sets for average top-1 errors (`error_task_sets`), plus `core` (the CORE list) and `all`. */
  errorTaskSets: Record<string, string[]>
  /** Set for generated suites (the tiny suite): the text world its tasks are drawn from. */
  synthetic?: {generator: 'tiny-world-icl'; worldSeed: number}
}

/** The LM suites dcbench ships, by name (the `eval_suite` of a DCLM recipe). */
export const LM_SUITE_FILES: Readonly<Record<string, string>> = {
  'dclm-53': 'evaluators/dclm/suite.yaml',
  'dclm-tiny': 'evaluators/dclm-tiny/suite.yaml',
}

const cache = new Map<string, LmSuite>()

/** Loads a shipped suite by name (cached). */
export function loadLmSuite(name: string): LmSuite {
  const cached = cache.get(name)
  if (cached) return cached
  const rel = LM_SUITE_FILES[name]
  if (!rel) throw unknownChoice('LM eval suite', name, Object.keys(LM_SUITE_FILES))
  const suite = loadLmSuiteFile(join(packageRoot(), rel))
  if (suite.name !== name) throw new DcbError('DCB_SUITE_FILE', `${rel}: name: expected '${name}', received '${suite.name}'`)
  cache.set(name, suite)
  return suite
}

/** Reads and checks a suite file; every problem names the file and the field. */
export function loadLmSuiteFile(file: string): LmSuite {
  const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file)
  let raw: unknown
  try {
    raw = parseYaml(readFileSync(file, 'utf8'))
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message.split('\n')[0]
    throw new DcbError('DCB_SUITE_FILE', `${shown}: ${reason}`)
  }
  const parsed = SuiteFile.safeParse(raw)
  if (!parsed.success) throw new DcbError('DCB_SUITE_FILE', `${shown}: ${describeZodError(parsed.error)}`)
  const problems = suiteProblems(parsed.data)
  if (problems.length > 0) throw new DcbError('DCB_SUITE_FILE', `${shown}: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`)
  return resolveSuite(parsed.data, file)
}

function suiteProblems(data: SuiteFileData): string[] {
  const problems: string[] = []
  const labels = new Set<string>()
  data.tasks.forEach((task, i) => {
    if (labels.has(task.label)) problems.push(`tasks.${i}.label: '${task.label}' appears twice`)
    labels.add(task.label)
    if (task.icl_task_type !== 'generation_task_with_answers') {
      for (const key of ['cot_delimiter', 'early_stopping_criteria', 'do_normalization'] as const) {
        if (task[key] !== undefined) problems.push(`tasks.${i}.${key}: only generation_task_with_answers tasks use it`)
      }
    }
  })
  if (!(data.core_list in data.aggregations)) problems.push(`core_list: '${data.core_list}' is not a key of aggregations`)
  else for (const label of data.aggregations[data.core_list]!) if (!labels.has(label)) problems.push(`aggregations.${data.core_list}: '${label}' is not a task (CORE needs every task)`)
  if (data.mmlu_task !== undefined && !labels.has(data.mmlu_task)) problems.push(`mmlu_task: '${data.mmlu_task}' is not a task`)
  for (const [set, list] of Object.entries(data.error_task_sets ?? {})) {
    for (const label of list) if (!labels.has(label)) problems.push(`error_task_sets.${set}: '${label}' is not a task`)
    if (new Set(list).size !== list.length) problems.push(`error_task_sets.${set}: a task appears twice`)
  }
  return problems
}

function resolveSuite(data: SuiteFileData, file: string): LmSuite {
  const d = data.defaults
  const tasks = data.tasks.map((t): LmTask => ({
    label: t.label,
    category: t.category,
    type: t.icl_task_type,
    numFewshot: t.num_fewshot,
    dataset: t.dataset,
    hasCategories: t.has_categories ?? false,
    promptString: t.prompt_string ?? d.prompt_string,
    exampleDelimiter: t.example_delimiter ?? d.example_delimiter,
    continuationDelimiter: t.continuation_delimiter ?? d.continuation_delimiter,
    questionPrelimiter: t.question_prelimiter ?? d.question_prelimiter,
    cotDelimiter: t.cot_delimiter ?? d.cot_delimiter,
    earlyStoppingCriteria: t.early_stopping_criteria ?? d.early_stopping_criteria,
    doNormalization: t.do_normalization ?? d.do_normalization,
    fewshotRandomSeed: t.fewshot_random_seed ?? d.fewshot_random_seed,
    csvTaskType: t.csv_task_type,
    datapoints: t.datapoints,
    randomBaseline: {...t.random_baseline},
  }))
  return {
    name: data.name,
    file,
    source: data.source,
    evalName: data.eval_name,
    maxSeqLen: d.max_seq_len,
    tasks,
    aggregation: {
      tasks: tasks.map((t) => ({label: t.label, category: t.category, randomBaseline: t.randomBaseline})),
      lists: data.aggregations,
      coreList: data.core_list,
      currentVersion: data.current_version,
    },
    core: data.aggregations[data.core_list]!,
    errorTaskSets: {...data.error_task_sets, core: [...data.aggregations[data.core_list]!], all: tasks.map((t) => t.label)},
    ...(data.mmlu_task === undefined ? {} : {mmluTask: data.mmlu_task}),
    ...(data.synthetic === undefined ? {} : {synthetic: {generator: data.synthetic.generator, worldSeed: data.synthetic.world_seed}}),
  }
}

/** DCLM's aggregation tables (the 53-task CSV and additional_aggregation.json), for re-checking eval JSONs. */
export function dclmAggregationMeta(): AggregationMeta {
  return loadLmSuite('dclm-53').aggregation
}
