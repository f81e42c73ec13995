import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import {join, relative, sep} from 'node:path'

import Docker from 'dockerode'

import {DcbError} from '../errors.js'
import type {ProgressListener} from '../ui/progress.js'
import {packageRoot} from '../util/paths.js'
import {runBuildScript} from './build-script.js'
import {noDockerEngine} from './executors/docker.js'

/** Image repository names of the CPU image and its imported Debian base (docs/containers.md). */
export const CPU_IMAGE_REPOSITORY = 'dcbench/train-cpu'
export const CPU_BASE_REPOSITORY = 'dcbench/train-cpu-base'
/** The label carrying the full inputs hash. */
export const INPUTS_HASH_LABEL = 'ai.dcbench.inputs-hash'

/** Files of the base image: a change rebuilds the Debian root filesystem. */
const BASE_FILES = ['containers/cpu/base.sh', 'containers/cpu/packages.txt']
/** The CLIP vocabulary the image carries beside the trainers. */
const CLIP_VOCAB = 'evaluators/tokenizers/clip/bpe_simple_vocab_16e6.txt.gz'

/** What the CPU image is built from, and the tags that name it. */
export interface CpuImageInputs {
  /** sha256 over base.sh and packages.txt. */
  baseHash: string
  /** sha256 over every input file (the base files, the rest of containers/cpu, the trainers, the vocabulary). */
  inputsHash: string
  baseTag: string
  tag: string
  /** Input files, relative to the package root, in hashing order. */
  files: string[]
}

function listFiles(root: string, dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(join(root, dir), {withFileTypes: true})) {
    const rel = `${dir}/${entry.name}`
    if (entry.isDirectory()) {
      if (entry.name !== '__pycache__') out.push(...listFiles(root, rel))
    } else if (entry.isFile() && !entry.name.endsWith('.pyc')) {
      out.push(rel)
    }
  }
  return out
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * The hash containers/cpu/build.sh computes: sha256 over the lines `<sha256 of file>  <path>\n`
 * (sha256sum's format), paths from the package root, sorted bytewise.
 */
export function hashFiles(root: string, files: readonly string[]): string {
  const lines = files.map((f) => `${createHash('sha256').update(readFileSync(join(root, f))).digest('hex')}  ${f}\n`).join('')
  return createHash('sha256').update(lines).digest('hex')
}

/** The CPU image's inputs and tags for the tree at `root` (default: this package). */
export function cpuImageInputs(root: string = packageRoot()): CpuImageInputs {
  const files = [...listFiles(root, 'containers/cpu'), ...listFiles(root, 'containers/trainers'), CLIP_VOCAB]
    .map((f) => f.split(sep).join('/'))
    .sort(compareBytes)
  const baseHash = hashFiles(root, BASE_FILES)
  const inputsHash = hashFiles(root, files)
  return {
    baseHash,
    inputsHash,
    baseTag: `${CPU_BASE_REPOSITORY}:${baseHash.slice(0, 16)}`,
    tag: `${CPU_IMAGE_REPOSITORY}:${inputsHash.slice(0, 16)}`,
    files,
  }
}

export interface EnsureCpuImageOptions {
  /** Package root holding containers/ (default: this package). */
  root?: string
  docker?: Docker
  /** Build phases as they happen (`detail` is build.sh's `==` line). */
  onProgress?: ProgressListener
}

/** The CPU image to run: its tag, its id, and whether this call built it. */
export interface CpuImage {
  tag: string
  /** `sha256:<hex>`, recorded in run.json. */
  imageId: string
  inputsHash: string
  built: boolean
  /** Seconds spent building (0 when the tag already existed). */
  buildSeconds: number
}

async function imageId(docker: Docker, tag: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(tag).inspect()
    return info.Id
  } catch (error) {
    const status = (error as {statusCode?: number}).statusCode
    if (status === 404) return undefined
    throw noDockerEngine((error as Error).message)
  }
}

/**
 * Returns the `dcbench/train-cpu` image for the current trainer code, building it with
 * containers/cpu/build.sh when its tag is missing (minutes: debootstrap from the Debian mirror; the
 * base layer is reused while base.sh and packages.txt are unchanged).
 */
export async function ensureCpuImage(options: EnsureCpuImageOptions = {}): Promise<CpuImage> {
  const root = options.root ?? packageRoot()
  const docker = options.docker ?? new Docker()
  const inputs = cpuImageInputs(root)
  const existing = await imageId(docker, inputs.tag)
  if (existing) return {tag: inputs.tag, imageId: existing, inputsHash: inputs.inputsHash, built: false, buildSeconds: 0}

  const started = Date.now()
  const script = join(root, 'containers/cpu/build.sh')
  let phase = 0
  const build = await runBuildScript(script, [], {cwd: root, onPhase: (detail) => options.onProgress?.({done: ++phase, detail})})
  if (!build.ok) {
    throw new DcbError('DCB_IMAGE_BUILD', `${relative(process.cwd(), script) || script} failed (exit ${build.exit}): ${build.lastLine}`, {
      suggestions: ['the build needs root (or sudo), debootstrap, the Docker engine and the Debian mirror (deb.debian.org)'],
    })
  }
  const id = await imageId(docker, inputs.tag)
  if (!id) throw new DcbError('DCB_IMAGE_BUILD', `${script} finished but ${inputs.tag} is not in the Docker engine (the trainer files changed during the build?)`)
  return {tag: inputs.tag, imageId: id, inputsHash: inputs.inputsHash, built: true, buildSeconds: (Date.now() - started) / 1000}
}

/**
 * `ensureCpuImage` in the shape of `TrainOptions.ensureImage` (src/runner/train.ts): build phases as
 * plain messages.
 */
export function ensureCpuImageForTrain(onProgress: (message: string) => void): Promise<CpuImage> {
  return ensureCpuImage({onProgress: (event) => onProgress(event.detail ?? `phase ${event.done}`)})
}
