import {readFileSync} from 'node:fs'

import {parse as parseYaml} from 'yaml'
import {z} from 'zod'

import {DcbError} from '../../errors.js'
import {SLURM_RUNTIMES, type SlurmRuntime, type SlurmSite} from './types.js'

export type {SlurmSite} from './types.js'

/**
 * A site's SLURM options: from flags (`--partition --account --qos --time --constraint --sbatch-arg
 * --requeue --signal`) over a config file (`--slurm-config FILE`, YAML or JSON with the same keys in
 * snake_case). Every value ends up on an `#SBATCH` line, which sbatch splits on blanks and never quotes:
 * values are held to the characters SLURM's own names and expressions use, so none can add a line.
 */

/** The site options plus the runtime and its image. */
export interface SlurmSettings {
  site: SlurmSite
  runtime: SlurmRuntime
  /** pyxis: an enroot squashfs or image reference; apptainer: a .sif file. */
  image?: string
}

export const DEFAULT_SIGNAL = 'B:USR1@120'

/** The settings when no site option was given: the `host` runtime, no site lines. */
export const DEFAULT_SLURM_SETTINGS: SlurmSettings = {runtime: 'host', site: {sbatchArgs: [], requeue: false, signal: DEFAULT_SIGNAL}}

const NAME = /^[A-Za-z0-9_.,:|&*!()[\]+=@%-]{1,200}$/
const TIME = /^(UNLIMITED|infinite|\d{1,7}|\d{1,5}:\d{2}(:\d{2})?|\d{1,4}-\d{1,2}(:\d{2}(:\d{2})?)?)$/
const SIGNAL = /^(B:|R:)?(SIG)?[A-Z0-9]{1,10}(@\d{1,6})?$/
const SBATCH_ARG = /^--[a-z][a-z0-9-]{0,40}(=[A-Za-z0-9_.,:/|&*!()[\]+=@%-]{1,300})?$/
/** Options bench writes itself: a free --sbatch-arg may not contradict them. */
const OWNED = new Set(['job-name', 'nodes', 'ntasks-per-node', 'gpus-per-node', 'cpus-per-task', 'output', 'error', 'open-mode', 'chdir', 'requeue', 'no-requeue', 'signal', 'array', 'wrap', 'partition', 'account', 'qos', 'time', 'constraint'])

const SiteFile = z.strictObject({
  partition: z.string().optional(),
  account: z.string().optional(),
  qos: z.string().optional(),
  time: z.union([z.string(), z.int()]).optional(),
  constraint: z.string().optional(),
  sbatch_args: z.array(z.string()).optional(),
  requeue: z.boolean().optional(),
  signal: z.string().optional(),
  runtime: z.enum(SLURM_RUNTIMES).optional(),
  image: z.string().optional(),
})

/** What the command line gives (each flag undefined when not given). */
export interface SlurmSettingsInput {
  configFile?: string
  partition?: string
  account?: string
  qos?: string
  time?: string
  constraint?: string
  sbatchArgs?: string[]
  requeue?: boolean
  signal?: string
  runtime?: string
  image?: string
}

function bad(where: string, value: string, expected: string): DcbError {
  return new DcbError('DCB_SLURM_OPTION', `${where}: ${JSON.stringify(value.slice(0, 80))} is not ${expected}`)
}

function checked(where: string, value: string | undefined, pattern: RegExp, expected: string): string | undefined {
  if (value === undefined) return undefined
  if (!pattern.test(value)) throw bad(where, value, expected)
  return value
}

function readSiteFile(file: string): z.infer<typeof SiteFile> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new DcbError('DCB_SLURM_OPTION', `${file}: cannot read the SLURM config file (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  if (text.length > 64 * 1024) throw new DcbError('DCB_SLURM_OPTION', `${file}: ${text.length} bytes; a SLURM config file holds at most 64 KiB`)
  let doc: unknown
  try {
    doc = parseYaml(text, {maxAliasCount: 0}) ?? {}
  } catch (error) {
    throw new DcbError('DCB_SLURM_OPTION', `${file}: not YAML or JSON (${(error as Error).message.split('\n')[0]})`)
  }
  const parsed = SiteFile.safeParse(doc)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new DcbError('DCB_SLURM_OPTION', `${file}: ${issue?.path.join('.') || 'the document'}: ${issue?.message ?? 'invalid'}; expected keys ${Object.keys(SiteFile.shape).join(', ')}`)
  }
  return parsed.data
}

/** The site options, runtime and image: flags over the config file over the defaults, every value checked. */
export function resolveSlurmSettings(input: SlurmSettingsInput): SlurmSettings {
  const file = input.configFile ? readSiteFile(input.configFile) : {}
  const where = (flag: string): string => (input.configFile && (input as Record<string, unknown>)[flag] === undefined ? `${input.configFile}: ${flag}` : `--${flag}`)
  const runtime = input.runtime ?? file.runtime ?? 'host'
  if (!(SLURM_RUNTIMES as readonly string[]).includes(runtime)) throw bad('--runtime', runtime, `one of ${SLURM_RUNTIMES.join(', ')}`)
  const sbatchArgs = [...(file.sbatch_args ?? []), ...(input.sbatchArgs ?? [])]
  for (const arg of sbatchArgs) {
    if (!SBATCH_ARG.test(arg)) throw bad('--sbatch-arg', arg, 'one --name or --name=value option without blanks')
    const name = arg.slice(2).split('=')[0] as string
    if (OWNED.has(name)) throw bad('--sbatch-arg', arg, `an option bench does not write itself (--${name} has its own flag or is set by bench)`)
  }
  const site: SlurmSite = {
    partition: checked(where('partition'), input.partition ?? file.partition, NAME, 'a SLURM partition name'),
    account: checked(where('account'), input.account ?? file.account, NAME, 'a SLURM account name'),
    qos: checked(where('qos'), input.qos ?? file.qos, NAME, 'a SLURM QOS name'),
    time: checked(where('time'), input.time ?? (file.time === undefined ? undefined : String(file.time)), TIME, 'a SLURM time limit (minutes, HH:MM:SS, D-HH:MM:SS or UNLIMITED)'),
    constraint: checked(where('constraint'), input.constraint ?? file.constraint, NAME, 'a SLURM constraint expression'),
    sbatchArgs,
    requeue: input.requeue ?? file.requeue ?? false,
    signal: checked(where('signal'), input.signal ?? file.signal ?? DEFAULT_SIGNAL, SIGNAL, 'a SLURM --signal value such as B:USR1@120') as string,
  }
  for (const key of Object.keys(site) as (keyof SlurmSite)[]) if (site[key] === undefined) delete site[key]
  const image = input.image ?? file.image
  if (runtime !== 'host' && !image) {
    throw new DcbError('DCB_SLURM_OPTION', `--runtime ${runtime} needs --slurm-image (${runtime === 'pyxis' ? 'an enroot squashfs of the trainer image' : 'an Apptainer .sif of the trainer image'})`)
  }
  if (image !== undefined && (image.length > 1000 || /[\0\n\r]/.test(image))) throw bad('--slurm-image', image, 'a path or image reference on one line')
  return {site, runtime: runtime as SlurmRuntime, ...(image === undefined ? {} : {image})}
}
