import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {uploadFiles} from '@huggingface/hub'

import {DcbError} from '../../errors.js'

export const DEFAULT_HUB_URL = 'https://huggingface.co'

export interface HubUploadOptions {
  /** `namespace/name` of a Hugging Face dataset repo (it must exist). */
  repo: string
  /** The published site folder. */
  siteDir: string
  /** Site-relative paths to upload. */
  files: readonly string[]
  /** Write token; defaults to $HF_TOKEN. */
  token?: string
  /** Hub endpoint; defaults to $HF_ENDPOINT or https://huggingface.co. */
  hubUrl?: string
  /** Folder inside the repo (default: the repo root). */
  pathInRepo?: string
  /** Commit title. */
  title?: string
  branch?: string
}

export interface HubUploadResult {
  repo: string
  hubUrl: string
  commit?: {oid: string; url: string}
  files: number
}

/** Uploads the published files to a Hugging Face dataset repo in one commit (@huggingface/hub). */
export async function uploadSiteToHub(options: HubUploadOptions): Promise<HubUploadResult> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.repo)) {
    throw new DcbError('DCB_HUB_REPO', `--hub '${options.repo}': expected a dataset repo id namespace/name`)
  }
  const token = options.token ?? process.env.HF_TOKEN
  if (!token) {
    throw new DcbError('DCB_HUB_TOKEN', `--hub ${options.repo}: no Hugging Face token`, {suggestions: ['set HF_TOKEN or pass --hub-token with a write token']})
  }
  if (!token.startsWith('hf_')) {
    throw new DcbError('DCB_HUB_TOKEN', `--hub ${options.repo}: the token does not look like a Hugging Face token (they start with 'hf_')`)
  }
  const hubUrl = (options.hubUrl ?? process.env.HF_ENDPOINT ?? DEFAULT_HUB_URL).replace(/\/+$/, '')
  const prefix = options.pathInRepo ? `${options.pathInRepo.replace(/^\/+|\/+$/g, '')}/` : ''
  const files = await Promise.all(
    options.files.map(async (path) => ({path: `${prefix}${path}`, content: new Blob([await readFile(join(options.siteDir, path))])})),
  )
  try {
    const result = await uploadFiles({
      repo: {type: 'dataset', name: options.repo},
      accessToken: token,
      hubUrl,
      files,
      branch: options.branch,
      commitTitle: options.title ?? 'Publish dcbench leaderboard',
    })
    return {repo: options.repo, hubUrl, ...(result?.commit ? {commit: {oid: result.commit.oid, url: result.commit.url}} : {}), files: files.length}
  } catch (error) {
    throw new DcbError('DCB_HUB_UPLOAD', `upload to ${hubUrl} dataset ${options.repo} failed: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    })
  }
}
