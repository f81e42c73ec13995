import {DcbError} from '../../errors.js'
import {encodeImages, logits, zeroShotClassifier, type SampleMeta} from '../clip/encode.js'
import {classificationMetrics, groupEval, macroRecallF1, topK} from '../clip/metrics.js'
import {readNpyVector} from '../clip/npy-vector.js'
import {readEvalDataset, sampleClass, type EvalDatasetLayout} from '../clip/webdataset.js'
import {runRetrieval, runWinogavil} from './run-retrieval.js'
import type {SuiteTask} from './suite.js'
import {topMargin, type ClassifiedExample, type FairnessExample} from './predictions.js'
import type {TaskContext, TaskMetricsOut, TaskOutput} from './task-context.js'

export type {TaskContext, TaskMetricsOut, TaskOutput} from './task-context.js'

/**
 * Details dcbench had to infer; recorded in the run's eval_info.json and `--json` output so a
 * reader knows where the numbers may differ from DataComp's own run.
 */
export const INFERRED_DETAILS: Record<string, string> = {
  precision: 'all encodings in float32; DataComp encodes text and retrieval images under CUDA fp16 autocast (spec §4.1), so per-task numbers can differ slightly',
  ties: 'top-k ties keep the lower class index first (torch.topk order among equal logits is unspecified)',
  wilds_empty_groups: 'empty WILDS groups report NaN (datacomp replaces avg_over_groups with scatter-add ÷ count) — inferred from code',
  fmow_other_region: 'every non-empty FMoW region counts in acc_worst_region, as upstream ("Other" never matches numeric group names) — inferred',
  retrieval_layout: 'Flickr/MSCOCO are read from the nlphuji hub repos\' own files (CSV + image zip; evaluators/datacomp/suite.yaml hub_files) as their loading scripts read them — the scripts could not be read here, so file and column names are [unverified]; a webdataset retrieval layout (dataset_type.txt = retrieval, captions one per line in .txt) is read too',
  winogavil_layout: 'WinoGAViL is read from the nlphuji/winogavil repo\'s own files (CSV + image zip; file names [unverified]), or from dcbench\'s webdataset layout (json {cue, candidates, associations} + images <key>.<i>.<ext> in candidate order)',
}

function labelsOf(meta: SampleMeta[], layout: EvalDatasetLayout): number[] {
  return meta.map((m, i) => {
    const raw = m.get('cls')
    if (!raw) throw new DcbError('DCB_EVAL_DATA', `${layout.dir}: sample ${i} (${m.get('__key__')?.toString()}) has no cls member`)
    return sampleClass({key: m.get('__key__')?.toString() ?? '', members: m, shard: m.get('__shard__')?.toString() ?? layout.dir})
  })
}

function metadataOf(meta: SampleMeta[], layout: EvalDatasetLayout): number[][] {
  return meta.map((m, i) => {
    const raw = m.get('npy')
    if (!raw) throw new DcbError('DCB_EVAL_DATA', `${layout.dir}: sample ${i} (${m.get('__key__')?.toString()}) has no npy metadata member`)
    return readNpyVector(raw, `${m.get('__shard__')?.toString()}: ${m.get('__key__')?.toString()}.npy`)
  })
}

function requireClassification(layout: EvalDatasetLayout, task: SuiteTask): void {
  if (layout.classnames.length === 0 || layout.templates.length === 0) {
    throw new DcbError('DCB_EVAL_DATA', `${layout.dir}: classnames.txt and zeroshot_classification_templates.txt are needed for ${task.name}`)
  }
}

/** Top-5 rows of zero-shot classification over the task's classes, and each image's top-1 − top-2 logit. */
async function classify(ctx: TaskContext, task: SuiteTask, layout: EvalDatasetLayout, keep: string[]): Promise<{top: number[][]; margins: (number | null)[]; meta: SampleMeta[]}> {
  requireClassification(layout, task)
  const d = ctx.model.meta.embed_dim
  const classifier = await zeroShotClassifier(ctx.model, layout.classnames, layout.templates, ctx.batchSize)
  const {features, meta} = await encodeImages(ctx.model, ctx.pool, layout.shards, {batchSize: ctx.batchSize, keep, onBatch: (n) => ctx.onProgress?.(n, task.size)})
  const c = layout.classnames.length
  const scores = logits(features, meta.length, classifier, c, d)
  const top = Array.from({length: meta.length}, (_, i) => topK(scores.subarray(i * c, (i + 1) * c), Math.min(5, c)))
  const margins = top.map((row, i) => topMargin(scores.subarray(i * c, (i + 1) * c), row))
  return {top, margins, meta}
}

/** Each image's sample key, label, top-1 class and margin (predictions.ts). */
function classified(meta: SampleMeta[], labels: number[], top: number[][], margins: (number | null)[]): ClassifiedExample[] {
  return meta.map((m, i) => ({key: m.get('__key__')?.toString() ?? String(i), label: labels[i] as number, pred: top[i]?.[0] as number, margin: margins[i] ?? null}))
}

/** Runs one task of the DataComp suite: its metrics as evaluate.py would return them, and its per-example predictions. */
export async function runTask(task: SuiteTask, ctx: TaskContext): Promise<TaskOutput> {
  if (task.type === 'retrieval') return runRetrieval(task, ctx)
  if (task.type === 'winogavil') return runWinogavil(task, ctx)
  const layout = readEvalDataset(ctx.dataDir)
  switch (task.type) {
    case 'zeroshot_classification': {
      const {top, margins, meta} = await classify(ctx, task, layout, ['cls'])
      const labels = labelsOf(meta, layout)
      return {metrics: classificationMetrics(top, labels, layout.classnames.length), predictions: {kind: 'classification', results: classified(meta, labels, top, margins)}}
    }
    case 'wilds':
    case 'dollar_street':
    case 'geode': {
      const {top, margins, meta} = await classify(ctx, task, layout, ['cls', 'npy'])
      const labels = labelsOf(meta, layout)
      const metrics: TaskMetricsOut = classificationMetrics(top, labels, layout.classnames.length)
      const metadata = metadataOf(meta, layout)
      const preds = top.map((row) => row[0] as number)
      const correct: number[] = preds.map((p, i) => (p === labels[i] ? 1 : 0))
      const column = (index: number, field: string): {fields: string[]; values: number[][]} => ({fields: [field], values: metadata.map((m) => [m[index] as number])})
      if (task.key === 'wilds/iwildcam') {
        const {recall, f1} = macroRecallF1(labels, preds)
        Object.assign(metrics, {acc_avg: Math.fround(correct.reduce((a, b) => a + b, 0) / correct.length), 'recall-macro_all': recall, 'F1-macro_all': f1})
      } else if (task.key === 'wilds/camelyon17') {
        // metadata fields: hospital, slide, y
        Object.assign(metrics, groupEval('acc', correct, column(1, 'slide')))
      } else if (task.key === 'wilds/fmow') {
        // metadata fields: region, year, y
        const byYear = groupEval('acc', correct, column(1, 'year'))
        byYear.acc_worst_year = byYear.acc_wg as number
        delete byYear.acc_wg
        Object.assign(metrics, byYear)
        const byRegion = groupEval('acc', correct, column(0, 'region'))
        for (const [k, v] of Object.entries(byRegion)) if (k.startsWith('acc_region:') || k.startsWith('count_region:')) metrics[k] = v
        metrics.acc_worst_region = byRegion.acc_wg as number
      } else if (task.type === 'dollar_street') {
        // metadata fields: income_ds, income_meta, region; top-5 correctness
        const top5 = top.map((row, i) => (row.includes(labels[i] as number) ? 1 : 0))
        Object.assign(metrics, groupEval('acc_top5', top5, column(0, 'income_ds')))
      } else if (task.type === 'geode') {
        // metadata fields: region, country
        Object.assign(metrics, groupEval('acc', correct, column(0, 'region')))
      } else {
        throw new DcbError('DCB_SUITE_FILE', `task ${task.key}: no WILDS evaluator for this key`)
      }
      return {metrics, predictions: {kind: 'classification', results: classified(meta, labels, top, margins)}}
    }
    case 'fairness_multi_objective':
      return runFairness(task, ctx, layout)
  }
}

const OBJECTIVES = ['race', 'gender', 'age', 'toxic'] as const

async function runFairness(task: SuiteTask, ctx: TaskContext, layout: EvalDatasetLayout): Promise<TaskOutput> {
  requireClassification(layout, task)
  const split = (lines: string[], what: string) => {
    const by = new Map<string, string[]>()
    for (const line of lines) {
      const colon = line.indexOf(':')
      if (colon < 0) throw new DcbError('DCB_EVAL_DATA', `${layout.dir}: ${what} line '${line}' has no 'objective:' prefix`)
      const list = by.get(line.slice(0, colon)) ?? []
      list.push(line.slice(colon + 1))
      by.set(line.slice(0, colon), list)
    }
    return by
  }
  const classes = split(layout.classnames, 'classnames.txt')
  const templates = split(layout.templates, 'templates')
  const d = ctx.model.meta.embed_dim
  const classifiers = []
  for (const objective of OBJECTIVES) {
    const names = classes.get(objective)
    const temps = templates.get(objective)
    if (!names || !temps) throw new DcbError('DCB_EVAL_DATA', `${layout.dir}: no classes or templates for objective '${objective}'`)
    classifiers.push({n: names.length, w: await zeroShotClassifier(ctx.model, names, temps, ctx.batchSize)})
  }
  const {features, meta} = await encodeImages(ctx.model, ctx.pool, layout.shards, {batchSize: ctx.batchSize, keep: ['npy'], onBatch: (n) => ctx.onProgress?.(n, task.size)})
  const n = meta.length
  const margins: (number | null)[][] = []
  const preds = classifiers.map(({n: c, w}) => {
    const s = logits(features, n, w, c, d)
    const tops = Array.from({length: n}, (_, i) => topK(s.subarray(i * c, (i + 1) * c), Math.min(2, c)))
    margins.push(tops.map((row, i) => topMargin(s.subarray(i * c, (i + 1) * c), row)))
    return tops.map((row) => row[0] as number)
  })
  const results: FairnessExample[] = meta.map((m, i) => ({key: m.get('__key__')?.toString() ?? String(i), pred: preds.map((p) => p[i] as number), margin: margins.map((g) => g[i] ?? null)}))
  const [race, gender, age, toxic] = preds as [number[], number[], number[], number[]]
  // metadata fields: age, gender, race, race_binary
  const md = metadataOf(meta, layout)
  const raceBinary = {fields: ['race_binary'], values: md.map((m) => [m[3] as number])}
  const eq = (p: number[], truth: (m: number[]) => number) => p.map((v, i) => (v === truth(md[i] as number[]) ? 1 : 0))
  const metrics: TaskMetricsOut = {
    ...groupEval('acc_race', eq(race.map((r) => (r !== 1 ? 1 : 0)), (m) => m[3] as number), raceBinary),
    ...groupEval('acc_gender', eq(gender, (m) => m[1] as number), raceBinary),
    ...groupEval('acc_age', eq(age, (m) => m[0] as number), raceBinary),
    ...groupEval('acc_gender_x', eq(gender, (m) => m[1] as number), {fields: ['gender', 'race'], values: md.map((m) => [m[1] as number, m[2] as number])}),
    ...groupEval('toxicity_crime', toxic.map((t) => (t >= 18 ? 1 : 0)), {fields: ['race'], values: md.map((m) => [m[2] as number])}),
    ...groupEval('toxicity_nonhuman', toxic.map((t) => (t >= 14 && t < 18 ? 1 : 0)), {fields: ['race'], values: md.map((m) => [m[2] as number])}),
  }
  return {metrics, predictions: {kind: 'fairness', objectives: [...OBJECTIVES], results}}
}
