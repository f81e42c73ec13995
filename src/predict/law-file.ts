import {open} from 'node:fs/promises'

import {z} from 'zod'

import {DcbError} from '../errors.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {describeZodError} from '../util/zod-issue.js'

/**
 * `law.json` (docs/contracts.md): the scaling laws `bench predict fit` fitted — their forms,
 * parameters, how each fit ended, its residuals, the rows it was fitted on and their hashes — which
 * `bench predict` reads. This module is its only reader and writer.
 */

export const LAW_FILE_FORMAT = 'dcbench.scaling-law/1'

/** Largest law.json read (it holds the rows: a few KB for a sweep). */
const MAX_LAW_BYTES = 32 * 1024 * 1024

const finite = z.number().refine(Number.isFinite, 'expected a finite number')
const positive = finite.refine((v) => v > 0, 'expected a positive number')

/** One row as fitted, with what the law makes of it. */
const FittedRow = z.strictObject({
  name: z.string().optional(),
  params: positive,
  tokens: positive,
  /** M = D/N. */
  multiplier: positive,
  loss: finite,
  error: finite.optional(),
  /** Fitted − measured (the loss law: loss; the error law: error). */
  residual: finite,
})

/** How a fit ran and ended (MINPACK via curve_fit's semantics). */
const FitRecord = z.strictObject({
  form: z.string(),
  /** The reference procedure it reproduces (spec dclm.md §9.2). */
  method: z.string(),
  start: z.array(finite),
  starts: z.int().positive(),
  starts_converged: z.int().nonnegative(),
  minpack_info: z.int().min(1).max(4),
  minpack_message: z.string(),
  nfev: z.int().positive(),
  ssr: finite,
  /** sqrt(SSR/(n−2)), laws.py's residual: the uncertainty indication `bench predict` shows. */
  residual: finite,
  /** Largest |fitted − measured| / measured over the rows. */
  max_relative_residual: finite,
  rows_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.array(FittedRow).min(1),
})

const LossLaw = FitRecord.extend({
  params: z.strictObject({alpha: finite, beta: finite, b: finite, E: finite}),
})

const ErrorLaw = FitRecord.extend({
  params: z.strictObject({k: finite, gamma: finite, epsilon: finite}),
  /** What the error is an average of (a task set name or a list), when the rows came from evals. */
  tasks: z.string().optional(),
})

/** The whole of law.json. */
export const LawFile = z.strictObject({
  format: z.literal(LAW_FILE_FORMAT),
  created_at: z.string(),
  harness_version: z.string(),
  reference: z.string(),
  /** The files the rows came from, with their sha256 (run folders: their run.json). */
  sources: z.array(z.strictObject({role: z.enum(['runs', 'error-runs', 'from']), file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/)})),
  loss_law: LossLaw,
  /** null when no row had an error to fit. */
  error_law: ErrorLaw.nullable(),
  /** Things a reader should know (one multiplier only, rows extrapolated from, …). */
  warnings: z.array(z.string()),
})
export type LawFile = z.infer<typeof LawFile>
export type FittedRow = z.infer<typeof FittedRow>

/** Writes law.json atomically (pretty, one trailing newline). */
export async function writeLawFile(file: string, law: LawFile): Promise<void> {
  LawFile.parse(law)
  await writeFileAtomic(file, `${JSON.stringify(law, null, 2)}\n`)
}

/** Reads and checks a law.json; every problem is one DCB_LAW_FILE line naming the file and field. */
export async function readLawFile(file: string): Promise<LawFile> {
  let text: string
  let handle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError('DCB_LAW_FILE', `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot open (${code})`}; expected the law.json that \`bench predict fit\` writes`)
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new DcbError('DCB_LAW_FILE', `${file}: not a regular file`)
    if (info.size > MAX_LAW_BYTES) throw new DcbError('DCB_LAW_FILE', `${file}: ${info.size} bytes; expected at most ${MAX_LAW_BYTES}`)
    text = await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new DcbError('DCB_LAW_FILE', `${file}: malformed JSON (${(error as Error).message.split('\n')[0]})`)
  }
  const format = (raw as {format?: unknown} | null)?.format
  if (format !== LAW_FILE_FORMAT) throw new DcbError('DCB_LAW_FILE', `${file}: format: expected '${LAW_FILE_FORMAT}', received ${JSON.stringify(format ?? null)}`)
  const parsed = LawFile.safeParse(raw)
  if (!parsed.success) throw new DcbError('DCB_LAW_FILE', `${file}: ${describeZodError(parsed.error)}`)
  return parsed.data
}
