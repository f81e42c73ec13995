import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {uploadFiles} from '@huggingface/hub'

import {DcbError} from '../errors.js'

export const DEFAULT_HUB_URL = 'https://huggingface.co'

export interface HubUploadOptions {
  /** `namespace/name` of a Hugging Face repo (it must exist). */
  repo: string
  /** A dataset repo (published boards) or a model repo (submission bundles, as DataComp's). */
  repoType: 'dataset' | 'model'
  /** Local file → path in the repo. */
  files: readonly {file: string; pathInRepo: string}[]
  /** Write token; defaults to $HF_TOKEN. */
  token?: string
  /** Hub endpoint; defaults to $HF_ENDPOINT or https://huggingface.co. */
  hubUrl?: string
  /** Commit title. */
  title: string
  branch?: string
}

export interface HubUploadResult {
  repo: string
  hubUrl: string
  commit?: {oid: string; url: string}
  files: number
}

/**
 * Uploads files to a Hugging Face repo in one commit (@huggingface/hub). Files are passed as file
 * URLs, which the library reads lazily, so a multi-gigabyte bundle is never held in memory.
 */
export async function uploadToHub(options: HubUploadOptions): Promise<HubUploadResult> {
  const token = hubToken(options)
  const hubUrl = (options.hubUrl ?? process.env.HF_ENDPOINT ?? DEFAULT_HUB_URL).replace(/\/+$/, '')
  try {
    const result = await uploadFiles({
      repo: {type: options.repoType, name: options.repo},
      accessToken: token,
      hubUrl,
      files: options.files.map(({file, pathInRepo}) => ({path: pathInRepo, content: pathToFileURL(file)})),
      branch: options.branch,
      commitTitle: options.title,
    })
    return {repo: options.repo, hubUrl, ...(result?.commit ? {commit: {oid: result.commit.oid, url: result.commit.url}} : {}), files: options.files.length}
  } catch (error) {
    throw new DcbError('DCB_HUB_UPLOAD', `upload to ${hubUrl} ${options.repoType} ${options.repo} failed: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    })
  }
}

/**
 * The write token for an upload after checking the repo id and the token's form: commands call it
 * before long work, so a missing token is reported before a bundle is packed, not after.
 */
export function hubToken(options: Pick<HubUploadOptions, 'repo' | 'repoType' | 'token'>): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.repo)) {
    throw new DcbError('DCB_HUB_REPO', `--hub '${options.repo}': expected a ${options.repoType} repo id namespace/name`)
  }
  const token = options.token ?? process.env.HF_TOKEN
  if (!token) {
    throw new DcbError('DCB_HUB_TOKEN', `--hub ${options.repo}: no Hugging Face token`, {suggestions: ['set HF_TOKEN or pass --hub-token with a write token']})
  }
  if (!token.startsWith('hf_')) {
    throw new DcbError('DCB_HUB_TOKEN', `--hub ${options.repo}: the token does not look like a Hugging Face token (they start with 'hf_')`)
  }
  return token
}

export interface SiteUploadOptions {
  /** `namespace/name` of a Hugging Face dataset repo (it must exist). */
  repo: string
  /** The published site folder. */
  siteDir: string
  /** Site-relative paths to upload. */
  files: readonly string[]
  token?: string
  hubUrl?: string
  /** Folder inside the repo (default: the repo root). */
  pathInRepo?: string
  title?: string
  branch?: string
}

/** Uploads a published board to a Hugging Face dataset repo in one commit. */
export async function uploadSiteToHub(options: SiteUploadOptions): Promise<HubUploadResult> {
  const prefix = options.pathInRepo ? `${options.pathInRepo.replace(/^\/+|\/+$/g, '')}/` : ''
  return uploadToHub({
    repo: options.repo,
    repoType: 'dataset',
    files: options.files.map((path) => ({file: join(options.siteDir, path), pathInRepo: `${prefix}${path}`})),
    token: options.token,
    hubUrl: options.hubUrl,
    title: options.title ?? 'Publish dcbench leaderboard',
    branch: options.branch,
  })
}
