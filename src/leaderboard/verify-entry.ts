import {DcbError, isDcbError} from '../errors.js'
import {getRecipe} from '../tracks/index.js'
import {isBound, type SignedEntry} from './entry-schema.js'
import type {Keyring, TrustedKey} from './keyring.js'
import {readEntryFile, type ReadEntry} from './read-entry.js'
import {checkSignature, entryId} from './signing.js'
import type {SuiteResolver, SuiteScoring} from './suites.js'

/** Aggregates recomputed from per-task values must agree to this (float summation order may differ). */
export const AGGREGATE_TOLERANCE = 1e-9

/** One finding of a verification. */
export interface Check {
  /** What was checked: `schema`, `signature`, `recipe`, `tasks`, `aggregates`, `run`, `eval`, `subset`… */
  name: string
  ok: boolean
  /** On failure, one line: field · received · expected. On success, a short note. */
  detail: string
}

export interface VerifyReport {
  file: string
  ok: boolean
  /** sha256 of the canonical signed entry (set when the entry parses). */
  entryId?: string
  signer?: {keyId: string; name: string; role: TrustedKey['role']}
  entry?: SignedEntry
  checks: Check[]
}

/** Extra checks against the files an entry describes; each runs only when its file is given. */
export type FileChecker = (entry: SignedEntry) => Promise<Check[]>

export interface VerifyEntryOptions {
  /** The entry file, or an entry already read. */
  entry: string | ReadEntry
  keyring: Keyring
  suites: SuiteResolver
  /** Where tracks/*.yaml live (tests). */
  tracksDir?: string
  /** Checks against a run directory, eval output, subset or pool index (see verify-files.ts). */
  fileChecks?: FileChecker[]
}

/**
 * Verifies a signed entry on its own: schema and version, signature by a keyring key, the recipe
 * hash of its scale, a complete task list with scores in [0, 1], and aggregates equal to those the
 * suite's own aggregator recomputes from the per-task scores. With `fileChecks`, also that the hashes
 * match the given files. Never throws for a bad entry: every problem is a failed check.
 */
export async function verifyEntry(options: VerifyEntryOptions): Promise<VerifyReport> {
  const read = typeof options.entry === 'string' ? await readEntryFile(options.entry) : options.entry
  const checks: Check[] = []
  const report: VerifyReport = {file: read.file, ok: false, checks}

  if (read.schemaProblem || !read.entry) {
    checks.push({name: 'schema', ok: false, detail: read.schemaProblem ?? 'invalid'})
  } else {
    checks.push({name: 'schema', ok: true, detail: `format ${read.entry.format} v${read.entry.format_version}`})
  }

  const signature = checkSignature(read.raw, options.keyring)
  if (signature.ok) {
    checks.push({name: 'signature', ok: true, detail: `ed25519 by '${signature.signer.name}' (${signature.signer.role}, key ${signature.signer.keyId.slice(0, 16)}…)`})
    report.signer = {keyId: signature.signer.keyId, name: signature.signer.name, role: signature.signer.role}
  } else {
    checks.push({name: 'signature', ok: false, detail: signature.reason})
  }

  const entry = read.entry
  if (entry) {
    report.entry = entry
    report.entryId = entryId(read.raw)
    checks.push(...checkRules(entry, options))
    for (const fileCheck of options.fileChecks ?? []) {
      try {
        checks.push(...(await fileCheck(entry)))
      } catch (error) {
        if (!isDcbError(error)) throw error
        checks.push({name: 'files', ok: false, detail: error.message})
      }
    }
  }
  report.ok = checks.every((c) => c.ok)
  return report
}

/** The rules an entry must satisfy whatever files accompany it. */
function checkRules(entry: SignedEntry, options: VerifyEntryOptions): Check[] {
  const checks: Check[] = []
  let recipeSuite: string | undefined
  try {
    const recipe = getRecipe({benchmark: entry.benchmark, scale: entry.scale, track: entry.track, tracksDir: options.tracksDir})
    recipeSuite = recipe.recipe.eval_suite
    if (recipe.hash === entry.recipe_hash) {
      checks.push({name: 'recipe', ok: true, detail: `${entry.benchmark} ${entry.scale} recipe ${recipe.hash.slice(0, 16)}…`})
    } else {
      checks.push({
        name: 'recipe',
        ok: false,
        detail: `recipe_hash: ${entry.recipe_hash.slice(0, 16)}… is not the frozen recipe of ${entry.benchmark} ${entry.scale} (${recipe.hash.slice(0, 16)}…): the run did not use the scale's recipe`,
      })
    }
  } catch (error) {
    if (!isDcbError(error)) throw error
    checks.push({name: 'recipe', ok: false, detail: `benchmark/scale/track: ${error.message}`})
  }

  if (isBound(entry) && entry.submitter.key_id !== entry.signature.key_id) {
    checks.push({name: 'signature', ok: false, detail: `submitter.key_id ${entry.submitter.key_id.slice(0, 16)}… is not the key that signed (${entry.signature.key_id.slice(0, 16)}…): an entry is its signing key's`})
  }
  if (isBound(entry)) {
    checks.push({name: 'model', ok: true, detail: `bound to model ${entry.model.sha256.slice(0, 16)}… (${Object.keys(entry.model.files).length} files)`})
  } else {
    checks.push({name: 'model', ok: true, detail: 'not bound to a model (entry format version 1): what produced these scores cannot be checked'})
  }

  if (entry.track === 'filtering' && entry.data.pool_index_sha256 === null) {
    checks.push({name: 'data', ok: false, detail: 'data.pool_index_sha256: null, but the filtering track needs the pool index the subset was drawn from'})
  }
  const run = entry.run
  if (run && run.executor === 'docker' && run.container_image_digest === null) {
    checks.push({name: 'run', ok: false, detail: 'run.container_image_digest: null, but a docker run has an image digest'})
  }
  if (run && Date.parse(run.finished_at) < Date.parse(run.started_at)) {
    checks.push({name: 'run', ok: false, detail: `run.finished_at ${run.finished_at} is before run.started_at ${run.started_at}`})
  }

  if (recipeSuite !== undefined && entry.eval.suite !== recipeSuite) {
    checks.push({name: 'tasks', ok: false, detail: `eval.suite: received '${entry.eval.suite}', the ${entry.benchmark} ${entry.scale} recipe is evaluated on '${recipeSuite}'`})
    return checks
  }
  const suite = options.suites(entry.eval.suite)
  if (!suite) {
    checks.push({name: 'tasks', ok: false, detail: `eval.suite: unknown suite '${entry.eval.suite}'`})
    return checks
  }
  const tasks = checkTasks(entry, suite)
  checks.push(tasks)
  // Aggregates are only defined over a complete task list.
  if (tasks.ok) checks.push(checkAggregates(entry, suite))
  return checks
}

function checkTasks(entry: SignedEntry, suite: SuiteScoring): Check {
  const expected = suite.tasks.map((t) => t.key)
  const given = Object.keys(entry.eval.tasks)
  const missing = expected.filter((k) => !(k in entry.eval.tasks))
  if (missing.length > 0) {
    return {name: 'tasks', ok: false, detail: `eval.tasks: missing ${missing.length} of the ${expected.length} tasks of ${suite.suite}: ${listSome(missing)}`}
  }
  const unknown = given.filter((k) => !expected.includes(k))
  if (unknown.length > 0) {
    return {name: 'tasks', ok: false, detail: `eval.tasks: ${unknown.length} task(s) not in ${suite.suite}: ${listSome(unknown)}`}
  }
  for (const key of expected) {
    const value = entry.eval.tasks[key] as number
    if (!(value >= 0 && value <= 1)) {
      return {name: 'tasks', ok: false, detail: `eval.tasks.${key}: ${value} is outside [0, 1] (main metrics are fractions)`}
    }
  }
  return {name: 'tasks', ok: true, detail: `all ${expected.length} tasks of ${suite.suite}, scores in [0, 1]`}
}

function checkAggregates(entry: SignedEntry, suite: SuiteScoring): Check {
  let recomputed: Record<string, number>
  try {
    recomputed = suite.aggregate(entry.eval.tasks)
  } catch (error) {
    if (!isDcbError(error)) throw error
    return {name: 'aggregates', ok: false, detail: `eval.tasks: the ${suite.suite} aggregator refused them: ${error.message}`}
  }
  for (const [name, value] of Object.entries(recomputed)) {
    const given = entry.eval.aggregates[name]
    if (given === undefined) return {name: 'aggregates', ok: false, detail: `eval.aggregates.${name}: missing (recomputed ${value})`}
    if (Math.abs(given - value) > AGGREGATE_TOLERANCE) {
      return {
        name: 'aggregates',
        ok: false,
        detail: `eval.aggregates.${name}: received ${given}, recomputed from the per-task scores with the ${suite.suite} aggregator ${value}`,
      }
    }
  }
  const extra = Object.keys(entry.eval.aggregates).filter((k) => !(k in recomputed))
  if (extra.length > 0) return {name: 'aggregates', ok: false, detail: `eval.aggregates: ${listSome(extra)} not produced by the ${suite.suite} aggregator`}
  return {name: 'aggregates', ok: true, detail: `${Object.keys(recomputed).length} aggregates equal the recomputed ones (${suite.headline} ${recomputed[suite.headline]})`}
}

function listSome(items: string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} … (+${items.length - max})`
}

/** Throws the rejection as a DcbError (exit 1) naming the first failed check. */
export function assertVerified(report: VerifyReport): asserts report is VerifyReport & {entry: SignedEntry; entryId: string; signer: NonNullable<VerifyReport['signer']>} {
  const failed = report.checks.filter((c) => !c.ok)
  if (failed.length === 0 && report.entry && report.entryId && report.signer) return
  const first = failed[0]
  const more = failed.length > 1 ? ` (+${failed.length - 1} more problem${failed.length > 2 ? 's' : ''})` : ''
  throw new DcbError('DCB_ENTRY_REJECTED', `${report.file}: rejected: ${first ? first.detail : 'incomplete'}${more}`)
}
