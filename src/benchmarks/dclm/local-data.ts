import {existsSync, lstatSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {parse as parseYaml} from 'yaml'
import {z} from 'zod'

import {DcbError, unknownChoice} from '../../errors.js'
import {defaultDataDir} from '../../hub/cache.js'
import {downloadVerifiedFile, fileMismatch, measureFile, remoteSize, type MeasuredFile} from '../../hub/http-file.js'
import {loadLmSuite} from '../../eval/lm/suite.js'
import {packageRoot} from '../../util/paths.js'
import {describeZodError} from '../../util/zod-issue.js'
import type {DownloadPlan} from '../benchmark.js'

/**
 * DCLM's eval data: llm-foundry's `scripts/eval/local_data` files of the 53-task suite at the commit
 * dcbench pins (evaluators/dclm/local_data.yaml), fetched from GitHub's raw file layout into the
 * data folder in the same layout `bench eval --benchmark dclm --data DIR` reads, resumable, each file
 * checked against its recorded size, sha256 and git blob id. GPQA cannot be fetched: DCLM ships it
 * in a password-protected zip, so its files are only checked when placed by hand.
 */

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`))
const relPath = z.string().regex(/^(?:[\w.-]+\/)*[\w.-]+\.jsonl$/, 'a relative path of a .jsonl file')

const Manifest = z.strictObject({
  suite: z.string(),
  source: z.strictObject({repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/), commit: hex(40), folder: z.string().min(1), base_url: z.url()}),
  files: z.array(
    z.strictObject({
      path: relPath,
      bytes: z.number().int().nonnegative().nullable(),
      sha256: hex(64).nullable(),
      git_blob: hex(40),
      checked: z.enum(['git+shared', 'git', 'tree']),
    }),
  ),
  gpqa: z.strictObject({
    source: z.string(),
    how: z.string(),
    files: z.array(z.strictObject({path: relPath, bytes: z.number().int().positive(), sha256: hex(64), rows: z.number().int().positive()})),
  }),
})
export type LocalDataManifest = z.infer<typeof Manifest>

const MANIFEST_FILE = 'evaluators/dclm/local_data.yaml'

/** The pinned llm-foundry files of the dclm-53 suite (evaluators/dclm/local_data.yaml). */
export function loadLocalDataManifest(): LocalDataManifest {
  const parsed = Manifest.safeParse(parseYaml(readFileSync(join(packageRoot(), MANIFEST_FILE), 'utf8')))
  if (!parsed.success) throw new DcbError('DCB_SUITE_FILE', `${MANIFEST_FILE}: ${describeZodError(parsed.error)}`)
  return parsed.data
}

/** Where one data file stands after `bench eval fetch --benchmark dclm`. */
export interface LocalDataFileStatus {
  path: string
  /** The suite tasks that read it (mmlu.jsonl: both MMLU tasks). */
  tasks: string[]
  state: 'cached' | 'downloaded' | 'missing' | 'wrong-content' | 'manual'
  /** Measured size and sha256 (of the file on disk, when there is one). */
  bytes?: number
  sha256?: string
  plannedBytes?: number
  downloadedBytes?: number
  problem?: string
}

export interface FetchDclmDataOptions {
  /** The folder `bench eval --data` reads; default $DCBENCH_DATA or ~/.cache/dcbench/eval. */
  dataDir?: string
  /** Task labels (default: the whole suite). */
  tasks?: string[]
  offline?: boolean
  /** Instead of https://raw.githubusercontent.com: a server with GitHub's raw file layout (tests). */
  baseUrl?: string
  confirm?: (plan: DownloadPlan) => Promise<void>
  onProgress?: (event: {file: string; done: number; total?: number}) => void
}

export interface FetchDclmDataResult {
  dataDir: string
  source: {repo: string; commit: string; url: string}
  files: LocalDataFileStatus[]
  plan: DownloadPlan
  downloadedBytes: number
  unusable: string[]
}

/** The raw-file URL of a local_data path at the pinned commit. */
export function localDataUrl(manifest: LocalDataManifest, path: string, baseUrl = manifest.source.base_url): string {
  const {repo, commit, folder} = manifest.source
  return `${baseUrl.replace(/\/$/, '')}/${repo}/${commit}/${folder}/${path.split('/').map(encodeURIComponent).join('/')}`
}

function gpqaProblem(manifest: LocalDataManifest): string {
  return `not downloadable: DCLM ships GPQA in a password-protected zip (${manifest.gpqa.source}); ${manifest.gpqa.how}`
}

/** A regular file at `file` (a link or folder there does not count). */
function regularFile(file: string): boolean {
  return lstatSync(file, {throwIfNoEntry: false})?.isFile() ?? false
}

/**
 * `bench eval fetch --benchmark dclm`: checks every data file of the suite's tasks in the data
 * folder against the manifest; downloads the missing ones from llm-foundry at the pinned commit
 * (after `confirm` saw the sizes; HEAD requests size the files whose size is not recorded), resuming
 * partial files; reports GPQA as manual. A file that is there but differs is reported, never
 * overwritten. Throws only for a failed download or a refused confirmation.
 */
export async function fetchDclmLocalData(options: FetchDclmDataOptions): Promise<FetchDclmDataResult> {
  const manifest = loadLocalDataManifest()
  const suite = loadLmSuite(manifest.suite)
  const labels = options.tasks && options.tasks.length > 0 ? options.tasks : suite.tasks.map((t) => t.label)
  const byPath = new Map<string, string[]>()
  for (const label of labels) {
    const task = suite.tasks.find((t) => t.label === label)
    if (!task) throw unknownChoice(`task of suite ${suite.name}`, label, suite.tasks.map((t) => t.label))
    byPath.set(task.dataset, [...(byPath.get(task.dataset) ?? []), label])
  }
  const dataDir = options.dataDir ?? defaultDataDir()
  const baseUrl = options.baseUrl ?? manifest.source.base_url
  const statuses = new Map<string, LocalDataFileStatus>()
  const toFetch: {path: string; bytes: number}[] = []
  const measured = (m: MeasuredFile) => ({bytes: m.bytes, sha256: m.sha256})

  for (const [path, tasks] of byPath) {
    const file = join(dataDir, path)
    const gpqa = manifest.gpqa.files.find((f) => f.path === path)
    const entry = manifest.files.find((f) => f.path === path)
    if (!gpqa && !entry) throw new DcbError('DCB_SUITE_FILE', `${MANIFEST_FILE}: no record of ${path}, which suite ${suite.name} reads`)
    if (regularFile(file)) {
      const m = await measureFile(file)
      const mismatch = fileMismatch(m, gpqa ? {bytes: gpqa.bytes, sha256: gpqa.sha256} : {bytes: entry?.bytes, sha256: entry?.sha256, gitBlob: entry?.git_blob})
      statuses.set(path, {path, tasks, state: mismatch ? 'wrong-content' : 'cached', ...measured(m), ...(mismatch ? {problem: `${file}: ${mismatch} (delete it to download it again)`} : {})})
    } else if (gpqa) {
      statuses.set(path, {path, tasks, state: 'manual', problem: gpqaProblem(manifest)})
    } else if (options.offline) {
      statuses.set(path, {path, tasks, state: 'missing', problem: `not in ${dataDir} (offline: nothing downloaded)`})
    } else {
      const partial = lstatSync(`${file}.incomplete`, {throwIfNoEntry: false})
      const total = entry?.bytes ?? (await remoteSize(localDataUrl(manifest, path, baseUrl))) ?? 0
      toFetch.push({path, bytes: Math.max(0, total - (partial?.isFile() ? partial.size : 0))})
    }
  }

  const plan: DownloadPlan = {unit: 'file', tasks: toFetch.map((f) => ({key: f.path, source: `${manifest.source.repo}@${manifest.source.commit.slice(0, 8)}`, bytes: f.bytes})), totalBytes: toFetch.reduce((s, f) => s + f.bytes, 0)}
  if (toFetch.length > 0) await options.confirm?.(plan)
  let downloadedBytes = 0
  for (const {path, bytes} of toFetch) {
    const entry = manifest.files.find((f) => f.path === path)
    const result = await downloadVerifiedFile({
      url: localDataUrl(manifest, path, baseUrl),
      dest: join(dataDir, path),
      bytes: entry?.bytes,
      sha256: entry?.sha256,
      gitBlob: entry?.git_blob,
      onProgress: (done, total) => options.onProgress?.({file: path, done, total}),
    })
    downloadedBytes += result.downloadedBytes
    statuses.set(path, {path, tasks: byPath.get(path) ?? [], state: 'downloaded', ...measured(result), plannedBytes: bytes, downloadedBytes: result.downloadedBytes})
  }
  const files = [...byPath.keys()].map((path) => statuses.get(path) as LocalDataFileStatus)
  return {
    dataDir,
    source: {repo: manifest.source.repo, commit: manifest.source.commit, url: localDataUrl(manifest, '', baseUrl).replace(/\/$/, '')},
    files,
    plan,
    downloadedBytes,
    unusable: files.filter((f) => f.state !== 'cached' && f.state !== 'downloaded').map((f) => f.path),
  }
}

/** What `bench eval` records about the data it read: the pinned source and whether each file is its. */
export interface LocalDataProvenance {
  repo: string
  commit: string
  /** Files whose bytes are the pinned commit's (size, sha256 and git blob id, as recorded). */
  matching: number
  /** Files present that differ from the pinned commit's (another llm-foundry version, or edited). */
  differing: string[]
}

/**
 * The llm-foundry commit of the data files a DCLM evaluation read, for its output: every present
 * file of the given paths is checked against the manifest.
 */
export async function localDataProvenance(dataDir: string, paths: readonly string[]): Promise<LocalDataProvenance> {
  const manifest = loadLocalDataManifest()
  let matching = 0
  const differing: string[] = []
  for (const path of new Set(paths)) {
    const file = join(dataDir, path)
    if (!existsSync(file) || !regularFile(file)) continue
    const gpqa = manifest.gpqa.files.find((f) => f.path === path)
    const entry = manifest.files.find((f) => f.path === path)
    const expected = gpqa ? {bytes: gpqa.bytes, sha256: gpqa.sha256} : {bytes: entry?.bytes, sha256: entry?.sha256, gitBlob: entry?.git_blob}
    if (!gpqa && !entry) differing.push(path)
    else if (fileMismatch(await measureFile(file), expected)) differing.push(path)
    else matching++
  }
  return {repo: manifest.source.repo, commit: manifest.source.commit, matching, differing}
}
