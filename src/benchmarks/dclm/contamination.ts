import {readFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {prepareTextCheck, type TextEvalTask} from '../../contamination/text-check.js'
import type {ContaminationContext, ContaminationRun, ContaminationSpec} from '../../contamination/spec.js'
import {DcbError, unknownChoice} from '../../errors.js'
import {readIclFile, type IclDataset} from '../../eval/lm/icl-data.js'
import {loadLmSuite, type LmTask} from '../../eval/lm/suite.js'
import {ensureTinySuiteData} from '../../eval/lm/tiny-suite.js'
import {sha256Hex} from '../../util/canonical-json.js'
import {iterateDclmDocuments} from './documents.js'
import {iterateTrainingDocuments} from './training-text.js'

/**
 * DCLM's contamination check: word n-gram overlap (src/contamination/ngram-*.ts) between the
 * documents of a pool (or the text of its tokenized training data) and the examples of the eval
 * suite, read from the same llm-foundry `local_data` files `bench eval` reads.
 *
 * An example's text is what the model is scored on, without what the task's settings add around it
 * (prompt string, few-shot examples, question prelimiter, continuation and example delimiters):
 * language modelling `context + " " + continuation`; multiple choice `query + " " + the gold
 * choice`; schema `the gold context option + " " + continuation`; generation `context + " " + answer`.
 * Template text the data files themselves repeat is dropped as boilerplate (ngram-build.ts).
 */
export const dclmContamination: ContaminationSpec = {
  methods: ['ngram'],
  settings: ['ngram', 'minWords', 'boilerplate'],
  run: runDclmContamination,
}

async function runDclmContamination(context: ContaminationContext): Promise<ContaminationRun> {
  const suite = loadLmSuite(context.suite)
  const tasks = selectTasks(suite.tasks, context.tasks, suite.name)
  const dataDir = suite.synthetic ? await ensureTinySuiteData(context.dataDir, suite.synthetic.worldSeed) : context.dataDir
  const missing = tasks.filter((task) => !existsSync(join(dataDir, task.dataset)))
  if (missing.length > 0 && !context.allowMissing) {
    throw new DcbError('DCB_EVAL_DATA_MISSING', `${dataDir}: no data for ${missing.length} of ${tasks.length} task(s): ${missing.map((t) => `${t.label} (${t.dataset})`).join(', ')}`, {
      suggestions: [
        "copy them from llm-foundry's scripts/eval/local_data/ (the files DCLM evaluates on) into the data folder, same relative paths",
        'or check the others only: --tasks …, or --allow-missing',
      ],
    })
  }
  const present = tasks.filter((task) => !missing.includes(task))
  const evalTasks: TextEvalTask[] = []
  for (const [i, task] of present.entries()) {
    const file = join(dataDir, task.dataset)
    evalTasks.push({key: task.label, examples: exampleTexts(readIclFile(file, task.type)), source: sha256Hex(await readFile(file))})
    context.onProgress?.({kind: 'eval', done: i + 1, total: present.length, detail: `read ${task.label}`})
  }
  const text = await prepareTextCheck({
    tasks: evalTasks,
    settings: context.settings,
    cacheDir: context.cacheDir,
    sink: context.sink,
    kind: 'examples',
    method: 'ngram',
    onProgress: (done, total) => context.onProgress?.({kind: 'eval', done, total, detail: 'indexing n-grams'}),
  })
  const examples = evalTasks.reduce((sum, t) => sum + t.examples.length, 0)
  const notes = [`eval index: ${text.index.ngrams} distinct n-grams of ${examples} examples in ${present.length} task(s), ${(text.index.bytes / 2 ** 20).toFixed(1)} MiB${text.index.cached ? ' (from the cache)' : ''}`]
  context.onProgress?.({kind: 'note', message: notes[0]!})

  let records = 0
  let flagged = 0
  let fingerprint: string | undefined
  const report = (): void => context.onProgress?.({kind: 'records', done: records, total: context.source.kind === 'pool' ? context.source.total : undefined, flagged})
  if (context.source.kind === 'pool') {
    const keep = context.source.keep
    for await (const doc of iterateDclmDocuments(context.source.dir)) {
      if (keep && !keep(doc.id)) continue
      records++
      if ((await text.check(doc.id, `${doc.file}:${doc.line}`, doc.text)) > 0) flagged++
      if (records % 1000 === 0) report()
    }
  } else {
    const training = await iterateTrainingDocuments(context.source.dir)
    fingerprint = training.fingerprint
    notes.push('training data is checked as token sequences decoded back to text: an example split across two sequences is not found')
    for await (const doc of training.documents) {
      records++
      if ((await text.check(doc.id, doc.where, doc.text)) > 0) flagged++
      if (records % 1000 === 0) report()
    }
  }
  report()
  return {
    boilerplate: text.boilerplate,
    missingTasks: missing.map((t) => ({task: t.label, expected: join(dataDir, t.dataset)})),
    records,
    ...(fingerprint ? {fingerprint} : {}),
    notes,
  }
}

function selectTasks(tasks: readonly LmTask[], wanted: readonly string[] | undefined, suite: string): LmTask[] {
  if (!wanted || wanted.length === 0) return [...tasks]
  const labels = tasks.map((t) => t.label)
  for (const label of wanted) if (!labels.includes(label)) throw unknownChoice(`task of ${suite}`, label, labels)
  return tasks.filter((t) => wanted.includes(t.label))
}

/** The text of each example (see the module comment). */
export function exampleTexts(dataset: IclDataset): string[] {
  switch (dataset.type) {
    case 'language_modeling':
      return dataset.examples.map((e) => `${e.context} ${e.continuation}`)
    case 'multiple_choice':
      return dataset.examples.map((e) => `${e.query} ${e.choices[e.gold]}`)
    case 'schema':
      return dataset.examples.map((e) => `${e.context_options[e.gold]} ${e.continuation}`)
    case 'generation_task_with_answers':
      return dataset.examples.map((e) => `${e.context} ${e.answer}`)
  }
}
