import {copyFile, link, mkdir, readdir, realpath, rename, rm, stat} from 'node:fs/promises'
import {basename, join} from 'node:path'

import {DcbError} from '../../errors.js'
import {downloadSnapshot, planSnapshot, type SnapshotPlan} from '../../hub/download.js'
import {tempPathFor} from '../../util/atomic-write.js'

/**
 * A pool's metadata files from a Hugging Face dataset repo, as DataComp's download_upstream.py gets
 * them (`snapshot_download(allow_patterns="*.parquet")`, `"*.npz"` with --download_npz, files of
 * xlarge's `part_*` folders flattened into one folder): through dcbench's hub cache (resume, size and
 * LFS sha256 checks, src/hub/download.ts), then hard-linked (copied across filesystems) into
 * `POOL/metadata/`, each through a temporary name so the folder never holds a partial file.
 */

export interface HubMetadataOptions {
  repo: string
  cacheDir: string
  /** File suffixes to fetch (`.parquet`, `.npz`). */
  suffixes: readonly string[]
  revision?: string
  hubUrl?: string
  accessToken?: string
}

/** What the snapshot download will fetch (no bytes downloaded). Two files of one name in different folders are refused. */
export async function planHubMetadata(options: HubMetadataOptions): Promise<SnapshotPlan> {
  const plan = await planSnapshot({...options, include: (path) => options.suffixes.some((s) => path.endsWith(s))})
  const seen = new Map<string, string>()
  for (const file of plan.files) {
    const name = basename(file.path)
    const other = seen.get(name)
    if (other) throw new DcbError('DCB_HUB_LISTING', `${options.repo}: ${other} and ${file.path} would both be metadata/${name}; refused before anything was written`)
    seen.set(name, file.path)
  }
  return plan
}

/** Downloads the planned files into the cache and puts each into `dir` under its base name. */
export async function fetchHubMetadata(options: HubMetadataOptions & {plan: SnapshotPlan; dir: string; onProgress?: (done: number, total: number, file: string) => void}): Promise<{files: string[]; downloadedBytes: number}> {
  const result = await downloadSnapshot({...options, include: (path) => options.suffixes.some((s) => path.endsWith(s)), plan: options.plan, onProgress: (e) => options.onProgress?.(e.done, e.total, e.file)})
  await mkdir(options.dir, {recursive: true})
  const files: string[] = []
  for (const file of result.files) {
    const target = join(options.dir, basename(file.path))
    files.push(target)
    if ((await stat(target).catch(() => undefined))?.size === file.size) continue
    const blob = await realpath(join(result.snapshotDir, file.path))
    const temp = tempPathFor(target)
    try {
      await link(blob, temp).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV' && error.code !== 'EPERM') throw error
        await copyFile(blob, temp)
      })
      await rename(temp, target)
    } catch (error) {
      await rm(temp, {force: true})
      throw error
    }
  }
  return {files, downloadedBytes: result.downloadedBytes}
}

/** The metadata files already in `dir` (for --offline and --skip-metadata). */
export async function localMetadata(dir: string, suffixes: readonly string[]): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && suffixes.some((s) => n.endsWith(s))).sort().map((n) => join(dir, n))
}
