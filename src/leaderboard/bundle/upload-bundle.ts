import {basename} from 'node:path'

import {uploadToHub, type HubUploadResult} from '../hub-upload.js'

export interface UploadBundleOptions {
  bundle: string
  /** The signed entry inside it, uploaded beside it so it can be read without the download. */
  entryFile: string
  scale: string
  /** `namespace/name` of the participant's Hugging Face model repo (it must exist). */
  repo: string
  token?: string
  hubUrl?: string
}

/**
 * Uploads a submission bundle as DataComp's evaluate.py uploads a submission: one commit titled
 * "Upload artifacts ({scale} scale)" to the participant's model repo, files under `{scale}_scale/`.
 */
export function uploadBundle(options: UploadBundleOptions): Promise<HubUploadResult> {
  const folder = `${options.scale}_scale`
  return uploadToHub({
    repo: options.repo,
    repoType: 'model',
    files: [
      {file: options.bundle, pathInRepo: `${folder}/${basename(options.bundle)}`},
      {file: options.entryFile, pathInRepo: `${folder}/entry.json`},
    ],
    token: options.token,
    hubUrl: options.hubUrl,
    title: `Upload artifacts (${options.scale} scale)`,
  })
}
