import {z} from 'zod'

import {quoteUntrusted} from '../../util/quote-untrusted.js'

/**
 * A submission bundle (`bench submit --bundle`): one uncompressed tar that carries everything an
 * organizer needs to check and re-evaluate an entry, laid out as the files it names:
 *
 *     bundle.json              this manifest: every other member's size and sha256 (first member)
 *     entry.json               the signed entry
 *     run/run.json             the run manifest (the entry's run.manifest_sha256); absent for an
 *                              external checkpoint's entry (run: null)
 *     run/model/…              the model folder (the entry's model.files; for an external
 *                              checkpoint, the folder bench export wrote)
 *     eval/<results file>      the eval output (the entry's eval.results_sha256)
 *     eval/<companion files>   files the suite reads beside it (DataComp: eval_info.json)
 *
 * bundle.json is not signed: it lets the unpacker refuse a corrupt or padded archive member by
 * member; what binds the files to the scores is the signed entry, whose hashes every file is then
 * checked against (docs/contracts.md "Submission bundle").
 */

export const BUNDLE_FORMAT = 'dcbench-submission-bundle'
export const BUNDLE_FORMAT_VERSION = 1
export const BUNDLE_MANIFEST = 'bundle.json'
export const BUNDLE_ENTRY = 'entry.json'
/** The run folder inside a bundle (run.json and model/, as `bench train` lays them out). */
export const BUNDLE_RUN_DIR = 'run'
export const BUNDLE_EVAL_DIR = 'eval'

/** Largest bundle.json, entry.json and run.json a bundle may carry: each is a few kilobytes. */
export const MAX_BUNDLE_METADATA_BYTES = 1 << 20
/** Most members: a model folder's limit (MAX_MODEL_FILES) plus the metadata and eval files. */
export const MAX_BUNDLE_MEMBERS = 1100
/** Longest member path and deepest folder nesting. */
export const MAX_MEMBER_PATH = 240
export const MAX_MEMBER_DEPTH = 8

/** One path component: letters, digits, `.`, `_`, `-`, `+`, `=`, `@`; not `.` or `..`; no leading `-`. */
const COMPONENT = /^(?!\.{1,2}$)[A-Za-z0-9._+=@][A-Za-z0-9._+=@-]*$/

/**
 * Why `path` may not be a bundle member, or undefined when it may: relative, '/'-separated, within
 * the length and depth limits, every component plain (see COMPONENT), and under one of the bundle's
 * places. A hostile archive cannot name a file outside the folder it is unpacked into.
 */
export function memberPathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > MAX_MEMBER_PATH) return `a member path must have 1 to ${MAX_MEMBER_PATH} characters`
  const parts = path.split('/')
  if (parts.length > MAX_MEMBER_DEPTH) return `more than ${MAX_MEMBER_DEPTH} folders deep`
  const bad = parts.find((part) => !COMPONENT.test(part))
  if (bad !== undefined) return `${quoteUntrusted(bad)} is not a plain file or folder name (letters, digits and . _ + = @ -; not . or ..; no leading /)`
  if (path === BUNDLE_MANIFEST || path === BUNDLE_ENTRY || path === `${BUNDLE_RUN_DIR}/run.json`) return undefined
  if (parts[0] === BUNDLE_RUN_DIR && parts[1] === 'model' && parts.length >= 3) return undefined
  if (parts[0] === BUNDLE_EVAL_DIR && parts.length === 2) return undefined
  return `not a place a bundle holds files (${BUNDLE_MANIFEST}, ${BUNDLE_ENTRY}, ${BUNDLE_RUN_DIR}/run.json, ${BUNDLE_RUN_DIR}/model/…, ${BUNDLE_EVAL_DIR}/FILE)`
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (a sha256)')

export const BundleMember = z.strictObject({
  size: z.int().nonnegative(),
  sha256: sha256Hex,
})
export type BundleMember = z.infer<typeof BundleMember>

/** bundle.json. */
export const BundleManifest = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  format_version: z.literal(BUNDLE_FORMAT_VERSION),
  /** The entry id (src/leaderboard/signing.ts) of entry.json. */
  entry_id: sha256Hex,
  /** The member that is the eval output the entry reports (`eval/…`). */
  results: z.string().regex(new RegExp(`^${BUNDLE_EVAL_DIR}/[^/]+$`), `expected ${BUNDLE_EVAL_DIR}/FILE`),
  /** Every other member, by path. */
  files: z
    .record(z.string(), BundleMember)
    .superRefine((files, ctx) => {
      const paths = Object.keys(files)
      if (paths.length > MAX_BUNDLE_MEMBERS) ctx.addIssue({code: 'custom', message: `more than ${MAX_BUNDLE_MEMBERS} members`})
      for (const path of paths) {
        const problem = path === BUNDLE_MANIFEST ? 'bundle.json does not list itself' : memberPathProblem(path)
        if (problem) ctx.addIssue({code: 'custom', path: [path], message: problem})
      }
    }),
})
export type BundleManifest = z.infer<typeof BundleManifest>
