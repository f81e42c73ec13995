import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {execa} from 'execa'

import type {RunPins} from '../contracts/run-manifest.js'
import {DcbError} from '../errors.js'
import {packageRoot} from '../util/paths.js'
import {runBuildScript} from './build-script.js'
import {dockerClient} from './executors/docker.js'

/**
 * The official training images (docs/official.md, "Images"): for each upstream trainer (`clip`:
 * open_clip 2.16.1, `lm`: open_lm 9bb92ef) a CPU `smoke` image built offline from Debian and the pinned
 * archives, and a CUDA `gpu` image built where a registry is reachable. containers/official/build.sh is
 * the one place that knows an image's inputs; this module asks it for the tag, builds smoke images when
 * missing, and reads the pins from containers/official/sources.lock.
 */

/** Which build of an official image: the CPU image for smoke runs, or the CUDA image. */
export type OfficialVariant = 'smoke' | 'gpu'

/** One pinned upstream archive (a line of sources.lock). */
export interface SourcePin {
  /** The official image it goes into (`clip`, `lm`). */
  image: string
  /** The Python distribution name pip installs. */
  package: string
  version: string
  archive: string
  sha256: string
  repository: string
  commit: string
}

const SOURCES_LOCK = 'containers/official/sources.lock'
const BUILD_SCRIPT = 'containers/official/build.sh'

/** Every line of containers/official/sources.lock. */
export function readSourcesLock(root: string = packageRoot()): SourcePin[] {
  const pins: SourcePin[] = []
  for (const line of readFileSync(join(root, SOURCES_LOCK), 'utf8').split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    const [image, pkg, version, archive, sha256, repository, commit] = line.trim().split(/\s+/)
    if (!image || !pkg || !version || !archive || !/^[0-9a-f]{64}$/.test(sha256 ?? '') || !repository || !/^[0-9a-f]{40}$/.test(commit ?? '')) {
      throw new DcbError('DCB_INTERNAL', `${SOURCES_LOCK}: malformed line '${line.trim()}'`)
    }
    pins.push({image, package: pkg, version, archive, sha256: sha256 as string, repository, commit: commit as string})
  }
  return pins
}

/** The pins of one official image, as run.json records them. */
export function officialPins(image: string, root: string = packageRoot()): RunPins {
  const pins: RunPins = {}
  for (const pin of readSourcesLock(root)) if (pin.image === image) pins[pin.package] = {version: pin.version, commit: pin.commit, sha256: pin.sha256}
  if (Object.keys(pins).length === 0) throw new DcbError('DCB_INTERNAL', `${SOURCES_LOCK}: no sources for the official image '${image}'`)
  return pins
}

/**
 * The working directory of an official GPU image (its Dockerfile's last `WORKDIR`): where upstream's
 * relative paths resolve (DCLM's `--model training/open_lm_configs/…`). The Docker executor gets it from
 * the image; the SLURM container runtimes must name it (pyxis `--container-workdir`, Apptainer `--pwd`).
 */
export function officialImageWorkdir(image: string, root: string = packageRoot()): string {
  if (!/^[a-z0-9-]{1,40}$/.test(image)) throw new DcbError('DCB_INTERNAL', `official image name '${image}' is not a lowercase word`)
  const file = `containers/official/gpu/${image}.Dockerfile`
  const workdirs = readFileSync(join(root, file), 'utf8').split('\n').flatMap((line) => /^WORKDIR\s+(\/\S*)\s*$/.exec(line)?.slice(1) ?? [])
  const workdir = workdirs.at(-1)
  if (workdir === undefined) throw new DcbError('DCB_INTERNAL', `${file}: no absolute WORKDIR line`)
  return workdir
}

/** The tag build.sh gives the image for the current tree (`dcbench/official-<image>:<variant>-<hash>`). */
export async function officialImageTag(image: string, variant: OfficialVariant, root: string = packageRoot()): Promise<string> {
  const result = await execa('bash', [join(root, BUILD_SCRIPT), image, variant, '--print-tag'], {cwd: root, reject: false})
  const tag = result.stdout.trim().split('\n').pop() ?? ''
  if (result.exitCode !== 0 || !tag.startsWith('dcbench/official-')) {
    throw new DcbError('DCB_INTERNAL', `${BUILD_SCRIPT} ${image} ${variant} --print-tag failed: ${(result.stderr || result.stdout).trim().split('\n').pop() ?? ''}`)
  }
  return tag
}

/** An official image in the local engine. */
export interface OfficialImage {
  tag: string
  /** `sha256:<hex>`, recorded in run.json. */
  imageId: string
  /** The image's `ai.dcbench.*` labels (its pins among them). */
  labels: Record<string, string>
  built: boolean
  buildSeconds: number
}

export interface EnsureOfficialImageOptions {
  image: string
  variant: OfficialVariant
  /** A folder holding sources.lock's archives (offline builds); default $DCBENCH_VENDOR, else git. */
  vendor?: string
  root?: string
  /** Build phases as build.sh prints them (`== …` lines). */
  onProgress?: (message: string) => void
}

async function inspect(tag: string): Promise<{Id: string; Config?: {Labels?: Record<string, string> | null}} | undefined> {
  try {
    return (await dockerClient().getImage(tag).inspect()) as {Id: string; Config?: {Labels?: Record<string, string> | null}}
  } catch {
    return undefined
  }
}

/** The command that builds an official image, for messages. */
export function buildCommand(image: string, variant: OfficialVariant): string {
  return `${BUILD_SCRIPT} ${image} ${variant}${variant === 'smoke' ? ' [--vendor DIR]' : ''}`
}

/**
 * The official image for the current tree. A missing smoke image is built (minutes: Debian packages
 * and the pinned archives, all offline with a vendor folder); a missing GPU image is an error naming
 * the command that builds it (it needs a registry, so dcbench never builds it on its own).
 */
export async function ensureOfficialImage(options: EnsureOfficialImageOptions): Promise<OfficialImage> {
  const root = options.root ?? packageRoot()
  const tag = await officialImageTag(options.image, options.variant, root)
  const existing = await inspect(tag)
  if (existing) return {tag, imageId: existing.Id, labels: existing.Config?.Labels ?? {}, built: false, buildSeconds: 0}
  if (options.variant === 'gpu') {
    throw new DcbError('DCB_NO_IMAGE', `image ${tag} (the official ${options.image} trainer for GPUs) is not in the local Docker engine`, {
      suggestions: [`build it on a machine with registry access: ${buildCommand(options.image, 'gpu')} (docs/official.md)`],
    })
  }
  const started = Date.now()
  const vendor = options.vendor ?? process.env.DCBENCH_VENDOR
  const build = await runBuildScript(join(root, BUILD_SCRIPT), [options.image, options.variant, ...(vendor ? ['--vendor', vendor] : [])], {cwd: root, onPhase: options.onProgress})
  if (!build.ok) {
    throw new DcbError('DCB_IMAGE_BUILD', `${buildCommand(options.image, options.variant)} failed (exit ${build.exit}): ${build.lastLine}`, {
      suggestions: ['the build needs root (or sudo), debootstrap, the Docker engine, the Debian mirror, and the pinned archives: --vendor DIR (or $DCBENCH_VENDOR) offline, else git access to GitHub'],
    })
  }
  const built = await inspect(tag)
  if (!built) throw new DcbError('DCB_IMAGE_BUILD', `${BUILD_SCRIPT} finished but ${tag} is not in the Docker engine (containers/official changed during the build?)`)
  return {tag, imageId: built.Id, labels: built.Config?.Labels ?? {}, built: true, buildSeconds: (Date.now() - started) / 1000}
}
