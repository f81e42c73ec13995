import {existsSync, statSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {parse as parseCsv} from 'csv-parse/sync'

import {DcbError} from '../../errors.js'
import type {RetrievalHubFiles, SuiteTask, WinogavilHubFiles} from './suite.js'
import {openZip, type ZipReader} from './zip-reader.js'

/**
 * The nlphuji eval sets (Flickr 1k, MSCOCO 5k, WinoGAViL) read from their hub repos' own files — a
 * CSV and a zip of images — rather than through their `datasets` loading scripts, which need
 * Python. The examples are the loading script's, in its order: one per CSV row (pandas.read_csv),
 * list columns decoded with json.loads, images looked up in the zip by name. Which files and
 * columns each repo has is data (`hub_files` in evaluators/datacomp/suite.yaml).
 */

/** One retrieval example: an image and its captions (DataComp's RetrievalDataset item). */
export interface RetrievalExample {
  /** The image's member name in the zip. */
  image: string
  captions: string[]
}

/** One WinoGAViL item (DataComp's WinoDataset item, before transforms). */
export interface WinogavilExample {
  cue: string
  candidates: string[]
  /** The member name in the zip of each candidate's image, in candidate order. */
  images: string[]
  /** Per candidate: is it one of the associations (np.isin(candidates, associations)). */
  gold: boolean[]
}

/** The CSV size dcbench reads into memory (the real tables are under 5 MB). */
const MAX_TABLE_BYTES = 256 * 1024 ** 2

/** Whether `dir` holds a task's hub files (its table and its image zip). */
export function hasHubFiles(dir: string, task: Pick<SuiteTask, 'hub_files'>): boolean {
  const files = task.hub_files
  return files !== undefined && existsSync(join(dir, files.table)) && existsSync(join(dir, files.images_zip))
}

/** The rows of a hub table as pandas.read_csv reads them (header line, quoted fields, blank lines skipped). */
export async function readHubTable(file: string, columns: readonly string[]): Promise<Record<string, string>[]> {
  const size = statSync(file).size
  if (size > MAX_TABLE_BYTES) throw new DcbError('DCB_EVAL_DATA', `${file}: ${size} bytes; dcbench reads tables up to ${MAX_TABLE_BYTES} bytes`)
  let rows: Record<string, string>[]
  try {
    rows = parseCsv(await readFile(file), {columns: true, bom: true, skip_empty_lines: true}) as Record<string, string>[]
  } catch (error) {
    throw new DcbError('DCB_EVAL_DATA', `${file}: not a readable CSV (${(error as Error).message})`)
  }
  const header = rows.length > 0 ? Object.keys(rows[0] as object) : []
  const absent = columns.filter((c) => !header.includes(c))
  if (absent.length > 0) throw new DcbError('DCB_EVAL_DATA', `${file}: no column ${absent.join(', ')} (columns: ${header.join(', ') || 'none'})`)
  return rows
}

/** json.loads of a list-of-strings cell; `where` names the row and column for the error. */
function stringList(text: string, where: string): string[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new DcbError('DCB_EVAL_DATA', `${where}: not a JSON list: ${JSON.stringify(text.slice(0, 80))}`)
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new DcbError('DCB_EVAL_DATA', `${where}: expected a JSON list of strings, got ${JSON.stringify(text.slice(0, 80))}`)
  return value as string[]
}

function retrievalSpec(task: SuiteTask): RetrievalHubFiles {
  if (!task.hub_files || !('captions_column' in task.hub_files)) throw new DcbError('DCB_SUITE_FILE', `task ${task.key}: no retrieval hub_files in the suite`)
  return task.hub_files
}

function winogavilSpec(task: SuiteTask): WinogavilHubFiles {
  if (!task.hub_files || !('cue_column' in task.hub_files)) throw new DcbError('DCB_SUITE_FILE', `task ${task.key}: no winogavil hub_files in the suite`)
  return task.hub_files
}

/** The retrieval examples of a repo folder, in table order. */
export async function retrievalExamples(dir: string, task: SuiteTask): Promise<RetrievalExample[]> {
  const spec = retrievalSpec(task)
  const file = join(dir, spec.table)
  const rows = await readHubTable(file, [spec.image_column, spec.captions_column])
  return rows.map((row, i) => ({
    image: `${spec.images_folder}/${row[spec.image_column] as string}`,
    captions: stringList(row[spec.captions_column] as string, `${file}: data row ${i + 1}, column ${spec.captions_column}`),
  }))
}

/** The WinoGAViL items of a repo folder, in table order. */
export async function winogavilExamples(dir: string, task: SuiteTask): Promise<WinogavilExample[]> {
  const spec = winogavilSpec(task)
  const file = join(dir, spec.table)
  const rows = await readHubTable(file, [spec.cue_column, spec.candidates_column, spec.associations_column])
  return rows.map((row, i) => {
    const where = `${file}: data row ${i + 1}`
    const candidates = stringList(row[spec.candidates_column] as string, `${where}, column ${spec.candidates_column}`)
    const associations = new Set(stringList(row[spec.associations_column] as string, `${where}, column ${spec.associations_column}`))
    if (candidates.length === 0) throw new DcbError('DCB_EVAL_DATA', `${where}: no candidates`)
    return {
      cue: row[spec.cue_column] as string,
      candidates,
      images: candidates.map((c) => `${spec.images_folder}/${spec.candidate_image.replace('{}', c)}`),
      gold: candidates.map((c) => associations.has(c)),
    }
  })
}

/** The zip of a task's images in a repo folder. */
export function openTaskImages(dir: string, task: SuiteTask): Promise<ZipReader> {
  return openZip(join(dir, (task.hub_files as RetrievalHubFiles | WinogavilHubFiles).images_zip))
}

/**
 * What `bench eval fetch` checks of a task in hub files: the table parses, has the task table's
 * number of examples, and every image it names is in the zip. Returns the example count and the
 * first problem, if any.
 */
export async function checkHubFiles(dir: string, task: SuiteTask): Promise<{samples?: number; problem?: string}> {
  let zip: ZipReader | undefined
  try {
    const examples = task.type === 'winogavil' ? await winogavilExamples(dir, task) : await retrievalExamples(dir, task)
    const samples = examples.length
    if (samples !== task.size) return {samples, problem: `${dir}: ${samples} examples in ${task.hub_files?.table}, the task table says ${task.size}`}
    zip = await openTaskImages(dir, task)
    const names = examples.flatMap((e) => ('images' in e ? e.images : [e.image]))
    const absent = names.filter((n) => !zip?.has(n))
    if (absent.length > 0) return {samples, problem: `${zip.file}: ${absent.length} image(s) the table names are not in the zip (first: ${absent[0]})`}
    return {samples}
  } catch (error) {
    if (error instanceof DcbError) return {problem: error.message}
    throw error
  } finally {
    zip?.close()
  }
}
