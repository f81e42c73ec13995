import {existsSync, readFileSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {z} from 'zod'

import {DcbError} from '../../errors.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import {describeZodError} from '../../util/zod-issue.js'
import {parseStrictJsonBytes} from '../../util/strict-json.js'
import {parseResultsJsonl, type DataCompResultRow} from './results-file.js'

/**
 * DataComp's per-example predictions (docs/contracts.md, "Evaluation outputs"): one file per finished
 * task, `OUT/datacomp-tasks/<task key>.json` (keys with a slash nest: `vtab/cifar100.json`), beside
 * eval_results.jsonl. It holds what each example was predicted as — enough to compare two harnesses
 * example by example (near-ties counted apart through the margins) — and the task's eval_results.jsonl
 * line, so a run that stopped between the two writes resumes without evaluating the task again. This
 * module is the file's only schema, writer and reader.
 *
 * Always written: at DataComp's sizes (38 tasks, about 0.5 M examples in all) the files total some
 * tens of MB, next to eval data of hundreds of GB, and a comparison needs them for the run that made
 * the numbers, not a second one.
 */

export const PREDICTIONS_DIR = 'datacomp-tasks'
export const PREDICTIONS_FORMAT = 'dcbench-datacomp-predictions/1'

const index = z.number().int().nonnegative()
/** A gap between two scores (top-1 − top-2), rounded to 6 significant digits; null where there is no second. */
const margin = z.number().nonnegative().nullable()

/** Zero-shot classification (and WILDS, Dollar Street, GeoDE): the top-1 class of each image. */
const ClassifiedExample = z.strictObject({key: z.string(), label: index, pred: index, margin})
/** FairFace/UTKFace: one top-1 class per objective (`objectives`, in order). */
const FairnessExample = z.strictObject({key: z.string(), pred: z.array(index), margin: z.array(margin)})
/**
 * One caption of a retrieval image: the 0-based rank of its image among all images (image retrieval),
 * the top-1 image and its margin over the second.
 */
const RetrievedCaption = z.strictObject({image_rank: index, image_top1: index, image_margin: margin})
/**
 * A retrieval image: the rank of its best-ranked caption among all captions (text retrieval), the top-1
 * caption (its index in caption order: images in order, each image's captions in order), its margin,
 * and its own captions. recall@k is the share of ranks below k (ties rank the lower index first).
 */
const RetrievedImage = z.strictObject({key: z.string(), text_rank: index, text_top1: index, text_margin: margin, captions: z.array(RetrievedCaption)})
/**
 * A WinoGAViL item: the candidates chosen (as many as it has associations, by similarity to the cue),
 * the gold ones, and the gap between the last chosen and the first left out (null if none is left out).
 */
const AssociationItem = z.strictObject({key: z.string(), chosen: z.array(index), gold: z.array(index), margin})

const Header = {
  format: z.literal(PREDICTIONS_FORMAT),
  key: z.string(),
  dataset: z.string(),
  model_hash: z.string(),
  suite: z.string(),
  suite_version: z.string(),
  seconds: z.number().nonnegative(),
  /** The task's eval_results.jsonl line, exactly as appended. */
  result_line: z.string(),
  examples: index,
}

const PredictionsFile = z.discriminatedUnion('kind', [
  z.strictObject({...Header, kind: z.literal('classification'), results: z.array(ClassifiedExample)}),
  z.strictObject({...Header, kind: z.literal('fairness'), objectives: z.array(z.string()), results: z.array(FairnessExample)}),
  z.strictObject({...Header, kind: z.literal('retrieval'), results: z.array(RetrievedImage)}),
  z.strictObject({...Header, kind: z.literal('association'), results: z.array(AssociationItem)}),
])

export type ClassifiedExample = z.infer<typeof ClassifiedExample>
export type FairnessExample = z.infer<typeof FairnessExample>
export type RetrievedCaption = z.infer<typeof RetrievedCaption>
export type RetrievedImage = z.infer<typeof RetrievedImage>
export type AssociationItem = z.infer<typeof AssociationItem>
export type PredictionsFile = z.infer<typeof PredictionsFile>

/** What a task run predicted, before the file's header is added. */
export type TaskPredictions =
  | {kind: 'classification'; results: ClassifiedExample[]}
  | {kind: 'fairness'; objectives: string[]; results: FairnessExample[]}
  | {kind: 'retrieval'; results: RetrievedImage[]}
  | {kind: 'association'; results: AssociationItem[]}

/** The file of a task: `OUT/datacomp-tasks/<key>.json`. */
export function predictionsFile(outDir: string, key: string): string {
  // keys come from the shipped suite files; refuse anything that could leave the folder anyway
  if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '' || part === '.' || part === '..') || /[\\\0]/.test(key)) {
    throw new DcbError('DCB_SUITE_FILE', `task key '${key}' cannot name a file under ${PREDICTIONS_DIR}/: expected slash-separated names without '.', '..' or backslashes`)
  }
  return join(outDir, PREDICTIONS_DIR, `${key}.json`)
}

/** A score gap as the file stores it: 6 significant digits (near-ties are ≤ 1e-4; logits reach 100). */
export function roundMargin(gap: number | undefined): number | null {
  if (gap === undefined || !Number.isFinite(gap)) return null
  return Number(Math.max(0, gap).toPrecision(6))
}

/** Top-1 minus top-2 of `scores`, given their top indices in order; null with fewer than two. */
export function topMargin(scores: ArrayLike<number>, top: readonly number[]): number | null {
  if (top.length < 2) return null
  return roundMargin((scores[top[0] as number] as number) - (scores[top[1] as number] as number))
}

/**
 * The 0-based rank of the best-ranked correct candidate, with ties ordered as topK orders them (the
 * lower index first): recall@k counts it exactly when it is below k.
 */
export function rankOfCorrect(scores: ArrayLike<number>, correct: (j: number) => boolean): number {
  let best = -1
  for (let j = 0; j < scores.length; j++) if (correct(j) && (best < 0 || (scores[j] as number) > (scores[best] as number))) best = j
  if (best < 0) return scores.length
  const s = scores[best] as number
  let rank = 0
  for (let j = 0; j < scores.length; j++) {
    if (correct(j)) continue
    const v = scores[j] as number
    if (v > s || (v === s && j < best)) rank++
  }
  return rank
}

/** Writes a finished task's file atomically (before its eval_results.jsonl line is appended). */
export async function writePredictions(
  outDir: string,
  header: {row: DataCompResultRow; resultLine: string; modelHash: string; suite: string; suiteVersion: string; seconds: number},
  predictions: TaskPredictions,
): Promise<string> {
  const file = predictionsFile(outDir, header.row.key)
  const body: PredictionsFile = {
    format: PREDICTIONS_FORMAT,
    key: header.row.key,
    dataset: header.row.dataset,
    model_hash: header.modelHash,
    suite: header.suite,
    suite_version: header.suiteVersion,
    seconds: header.seconds,
    result_line: header.resultLine,
    examples: predictions.results.length,
    ...predictions,
  }
  await mkdir(dirname(file), {recursive: true})
  // one example per line: diffable and greppable, still one JSON document
  const {results, ...rest} = body
  const head = JSON.stringify(rest).slice(0, -1)
  const lines = (results as unknown[]).map((r) => JSON.stringify(r))
  await writeFileAtomic(file, `${head},"results":[${lines.length === 0 ? '' : `\n${lines.join(',\n')}\n`}]}\n`)
  return file
}

const REDO = 'delete the file (and the task\'s eval_results.jsonl line, if any) to evaluate the task again'

/** Reads and validates a predictions file; DCB_RESULTS_FILE with the field at fault when it is not one. */
export function readPredictions(file: string): PredictionsFile {
  let value: unknown
  try {
    // strict: no duplicate keys and no __proto__, as every file bench reads back
    value = parseStrictJsonBytes(readFileSync(file))
  } catch (error) {
    throw new DcbError('DCB_RESULTS_FILE', `${file}: not a JSON document (${(error as Error).message}); expected a ${PREDICTIONS_FORMAT} predictions file`, {suggestions: [REDO]})
  }
  const parsed = PredictionsFile.safeParse(value)
  if (!parsed.success) throw new DcbError('DCB_RESULTS_FILE', `${file}: ${describeZodError(parsed.error)}; expected a ${PREDICTIONS_FORMAT} predictions file`, {suggestions: [REDO]})
  if (parsed.data.examples !== parsed.data.results.length) {
    throw new DcbError('DCB_RESULTS_FILE', `${file}: examples is ${parsed.data.examples}, results holds ${parsed.data.results.length}`, {suggestions: [REDO]})
  }
  return parsed.data
}

/**
 * The eval_results.jsonl row a finished task's file records, when the file belongs to this model and
 * suite (resume: the task finished, its line was not yet appended). Undefined when there is no such
 * file; a file of another model or suite is ignored (the task runs again and replaces it).
 */
export function resumableRow(outDir: string, key: string, info: {modelHash: string; suite: string; suiteVersion: string}): {row: DataCompResultRow; file: string} | undefined {
  const file = predictionsFile(outDir, key)
  if (!existsSync(file)) return undefined
  const data = readPredictions(file)
  if (data.key !== key || data.model_hash !== info.modelHash || data.suite !== info.suite || data.suite_version !== info.suiteVersion) return undefined
  const [row] = parseResultsJsonl(data.result_line, `${file}: result_line`)
  if (!row || row.key !== key) throw new DcbError('DCB_RESULTS_FILE', `${file}: result_line is not task ${key}'s eval_results.jsonl line`)
  const {line: _line, ...plain} = row
  return {row: plain, file}
}
