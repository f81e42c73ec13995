import {open, readFile} from 'node:fs/promises'

import {z} from 'zod'

import {DcbError} from '../errors.js'
import {describeZodError} from '../util/zod-issue.js'

/**
 * The contamination report (`bench subset contamination --out report.json`): its one schema, reader
 * and writer. Documented in docs/contracts.md; a new field or meaning bumps the format's version.
 *
 * A report is written in two steps (findings.ts): the findings stream to a temporary file while the
 * records are checked, then the report is written beside its target with the findings copied in,
 * and renamed into place.
 */
export const CONTAMINATION_FORMAT = 'dcbench.contamination/1'

/** How an eval item was found in a record. */
export const ContaminationMethod = z.enum(['ngram', 'exact', 'near', 'caption'])
export type ContaminationMethod = z.infer<typeof ContaminationMethod>

/** One eval item (example, image or caption) found in one training record. */
export const Finding = z.strictObject({
  /** The record's id (DCLM document id, DataComp uid, or shard/member#segment for training data). */
  record: z.string(),
  /** Where the record is: file and line, or shard and key. */
  where: z.string(),
  task: z.string(),
  /** What was found: `examples` (DCLM), `images` or `captions` (DataComp). */
  kind: z.string(),
  /** Index of the example, image or caption in the task's data, in file order from 0. */
  example: z.number().int().nonnegative(),
  method: ContaminationMethod,
  /** The eval sample's key (images, captions). */
  eval_key: z.string().optional(),
  /** Near duplicates: Hamming distance of the perceptual hashes. */
  distance: z.number().int().nonnegative().optional(),
  /** Text: the longest matched stretch of the record's text, as [start, end) offsets and its text (cut at 500 characters). */
  span: z.strictObject({start: z.number().int(), end: z.number().int(), text: z.string()}).optional(),
  /** Text: matched n-grams (or whole-example matches) of this example in the record. */
  ngrams: z.number().int().positive().optional(),
})
export type Finding = z.infer<typeof Finding>

/** One kind of eval item of a task and how much of it was found. */
export const TaskPart = z.strictObject({
  kind: z.string(),
  /** Items the task has. */
  total: z.number().int().nonnegative(),
  /** Items found in at least one record. */
  found: z.number().int().nonnegative(),
  fraction_found: z.number().min(0).max(1),
  /** Found items by method (an item found two ways counts in both). */
  found_by: z.record(z.string(), z.number().int().nonnegative()),
  /** Items that could not be checked, by reason (too_short, only_boilerplate, low_detail). */
  unchecked: z.record(z.string(), z.number().int().nonnegative()),
})
export type TaskPart = z.infer<typeof TaskPart>

export const Boilerplate = z.strictObject({
  /** An n-gram in more of the task's examples than this was dropped. */
  max_examples: z.number().int().nonnegative(),
  ngrams: z.number().int().nonnegative(),
  samples: z.array(z.strictObject({text: z.string(), examples: z.number().int()})),
})
export type Boilerplate = z.infer<typeof Boilerplate>

export const TaskSummary = z.strictObject({
  task: z.string(),
  /** Records holding at least one item of the task. */
  records_flagged: z.number().int().nonnegative(),
  parts: z.array(TaskPart),
  /** Text checks: the template n-grams dropped from the task's examples. */
  boilerplate: Boilerplate.optional(),
})
export type TaskSummary = z.infer<typeof TaskSummary>

export const ContaminationReport = z.strictObject({
  format: z.literal(CONTAMINATION_FORMAT),
  benchmark: z.string(),
  suite: z.string(),
  source: z.strictObject({
    kind: z.enum(['subset', 'pool', 'train-data']),
    subset: z.strictObject({file: z.string(), format: z.string(), fingerprint: z.string(), size: z.number().int(), unique: z.number().int()}).nullable(),
    pool: z.string().nullable(),
    train_data: z.string().nullable(),
    /** Subset fingerprint of the training data's manifest (train-data), or of the subset file. */
    fingerprint: z.string().nullable(),
    records: z.number().int().nonnegative(),
  }),
  methods: z.array(ContaminationMethod),
  settings: z.record(z.string(), z.number()),
  /** true when nothing was found. */
  clean: z.boolean(),
  records_flagged: z.number().int().nonnegative(),
  tasks: z.array(TaskSummary),
  /** Tasks skipped with --allow-missing because their data was absent. */
  missing_tasks: z.array(z.strictObject({task: z.string(), expected: z.string()})),
  notes: z.array(z.string()),
  findings_total: z.number().int().nonnegative(),
  harness_version: z.string(),
  findings: z.array(Finding),
})
export type ContaminationReport = z.infer<typeof ContaminationReport>

/** The longest span text a finding carries. */
export const SPAN_TEXT_LIMIT = 500

/** Reads and checks a report file; every problem is one line naming the file. */
export async function readContaminationReport(file: string): Promise<ContaminationReport> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError('DCB_CONTAMINATION_REPORT', `contamination report ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code})`}`, {
      suggestions: ['write it with bench subset contamination … --out FILE'],
    })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new DcbError('DCB_CONTAMINATION_REPORT', `contamination report ${file}: not valid JSON (${(error as Error).message})`)
  }
  const format = (raw as {format?: unknown} | null)?.format
  if (format !== CONTAMINATION_FORMAT) {
    throw new DcbError('DCB_CONTAMINATION_REPORT', `contamination report ${file}: format ${JSON.stringify(format)}; expected "${CONTAMINATION_FORMAT}"`)
  }
  const parsed = ContaminationReport.safeParse(raw)
  if (!parsed.success) throw new DcbError('DCB_CONTAMINATION_REPORT', `contamination report ${file}: ${describeZodError(parsed.error)}`)
  return parsed.data
}

/**
 * Writes a report to `path`: the report without findings, pretty-printed, with the findings (one JSON
 * object per line of `findingsFile`) spliced in one per line — streamed, so a report with millions
 * of findings never sits in memory.
 */
export async function writeReportFile(path: string, report: Omit<ContaminationReport, 'findings'>, findingsFile: string | undefined): Promise<void> {
  const head = JSON.stringify(report, null, 2)
  const out = await open(path, 'w')
  try {
    await out.write(`${head.slice(0, -2)},\n  "findings": [`)
    let first = true
    if (findingsFile) {
      const input = await open(findingsFile, 'r')
      try {
        for await (const line of input.readLines()) {
          if (line === '') continue
          await out.write(`${first ? '\n' : ',\n'}    ${line}`)
          first = false
        }
      } finally {
        await input.close()
      }
    }
    await out.write(`${first ? '' : '\n  '}]\n}\n`)
  } finally {
    await out.close()
  }
}
