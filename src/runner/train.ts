import {createWriteStream, existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {availableParallelism, totalmem} from 'node:os'
import {join, resolve} from 'node:path'

import {DcbError, ExitCode} from '../errors.js'
import {getRecipe, resolveInfra, type Benchmark, type InfraPlan, type ScaleRecipe} from '../tracks/index.js'

import {writeFileAtomic} from '../util/atomic-write.js'
import {harnessVersion, packageRoot} from '../util/paths.js'
import {containersWithLabel, dockerAvailable, dockerClient, localImageId, runInDocker} from './executors/docker.js'
import {runLocally} from './executors/local.js'
import type {ExecutorOutcome, ExecutorRun} from './executors/types.js'
import {ensureCpuImageForTrain} from './cpu-image.js'
import {findHostPython} from './host-python.js'
import {clipTrainArgs, webdatasetPattern} from './official/clip-args.js'
import {lmTrainArgs} from './official/lm-args.js'
import {DATACOMP_MANIFEST_FORMAT, TOKENIZED_FORMAT, type DataCompManifest, type TokenizedManifest} from './reshard/index.js'
import {readRunManifest, writeRunManifest, type RunAttempt, type RunManifest, type RunStatus} from './run-dir.js'
import {parseTrainerLine, type FinalJson, type TrainerEvent} from './trainer-events.js'
import {validateOutputs, type ValidationReport} from './validate-outputs.js'

/**
 * `bench train`: runs a scale's frozen recipe on resharded data in a container (or on the host's
 * python3) under the contract of docs/containers.md, and records the run in RUN/run.json. Running the
 * same command on the same RUN resumes it from the trainer's last checkpoint; on a finished run it
 * does nothing.
 */

export type ExecutorChoice = 'docker' | 'local' | 'auto'

/** The trainer command of dcbench's CPU image (and of the local executor). */
export const TINY_TRAINER_COMMAND = ['python3', '-m', 'dcbench_trainers']
/** The images the official scales run in (built from containers/clip-train, containers/lm-train). */
export const OFFICIAL_IMAGES: Readonly<Record<Benchmark, string>> = {datacomp: 'dcbench/clip-train:2.16.1', dclm: 'dcbench/lm-train:0.0.34'}

/** Label keys by which bench finds its containers (docs/containers.md). */
export const LABELS = {run: 'ai.dcbench.run', benchmark: 'ai.dcbench.benchmark', scale: 'ai.dcbench.scale', harnessVersion: 'ai.dcbench.harness-version'} as const

/** What the trainer reports while it runs, for a progress display. */
export interface TrainProgressEvent {
  phase: 'image' | 'train' | 'export' | 'validate'
  step?: number
  stepsTotal?: number
  loss?: number
  /** Seconds left at this attempt's pace. */
  etaSeconds?: number
  message?: string
}

export interface TrainOptions {
  benchmark: string
  scale: string
  track?: string
  /** Training data written by `bench reshard`. */
  dataDir: string
  runDir: string
  executor?: ExecutorChoice
  /** GPUs for the container (NVIDIA device request); 0 = CPU. */
  gpus?: number
  /** Stop after this many optimizer steps in total (smoke tests); the run ends `stopped_at_max_steps`. */
  maxSteps?: number
  /** CPU threads (DCBENCH_THREADS and the container's CPU limit). Default: every core. */
  threads?: number
  /** Container memory limit in bytes. Default: 80 % of the host's memory. */
  memoryBytes?: number
  /** An image tag or id instead of the scale's own (docker). */
  image?: string
  /** A trainer command instead of the image's (docker) or `python3 -m dcbench_trainers` (local). */
  command?: string[]
  /** The folder holding `dcbench_trainers` for the local executor. Default: the package's containers/trainers. */
  trainersDir?: string
  /**
   * Builds (when needed) and names the CPU image of the tiny scale. Default: `ensureCpuImageForTrain`
   * of src/runner/cpu-image.ts (containers/cpu/build.sh when the tag for the current trainer code is missing).
   */
  ensureImage?: (onProgress: (message: string) => void) => Promise<{tag: string; imageId: string}>
  /** Aborting stops the trainer (SIGTERM: it checkpoints), and the run ends `interrupted`. */
  signal?: AbortSignal
  onProgress?: (event: TrainProgressEvent) => void
  /** Every line of trainer output as it comes (also copied to RUN/logs/train.log). */
  onLog?: (line: string) => void
  tracksDir?: string
}

export interface TrainResult {
  run_dir: string
  benchmark: Benchmark
  scale: string
  executor: 'docker' | 'local'
  image: string | null
  image_digest: string | null
  exit_status: RunStatus
  steps: number | null
  steps_total: number | null
  final_loss: number | null
  /** Seconds of this invocation; 0 when the run was already complete. */
  seconds: number
  already_complete: boolean
  resumed_from_step: number | null
  /** Remarks for the user, e.g. why the local executor was chosen. */
  notes: string[]
}

interface DataFacts {
  subsetFingerprint: string
  subsetSize: number
  poolIndexSha256: string | null
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const started = Date.now()
  const recipe = getRecipe({benchmark: options.benchmark, scale: options.scale, track: options.track, tracksDir: options.tracksDir})
  const track = options.track ?? 'filtering'
  const dataDir = resolve(options.dataDir)
  const runDir = resolve(options.runDir)
  const data = readDataFacts(dataDir, recipe)
  const gpus = options.gpus ?? 0
  const infra = resolveInfra(recipe, gpus > 1 ? {gpus_per_node: gpus} : {})
  const threads = options.threads ?? availableParallelism()
  const notes: string[] = []

  const previous = checkRunDir(runDir, recipe, data)
  if (previous?.exit_status === 'complete' && (options.maxSteps === undefined || previous.max_steps === null)) {
    return resultOf(previous, runDir, 0, true, null, notes)
  }
  await mkdir(join(runDir, 'logs'), {recursive: true})

  // the executor and, for docker, the image
  let executor = await chooseExecutor(options, recipe, notes)
  let image: string | null = null
  let imageDigest: string | null = null
  let command: string[] = options.command ?? TINY_TRAINER_COMMAND
  if (executor === 'docker') {
    try {
      ;({image, imageDigest} = await resolveImage(options, recipe))
    } catch (error) {
      // auto on tiny: a host without a buildable CPU image (no debootstrap, no mirror) still trains
      if ((options.executor ?? 'auto') !== 'auto' || recipe.scale !== 'tiny' || !(error instanceof DcbError)) throw error
      notes.push(`no CPU training image (${error.message}): training with the host python3 (--executor local)`)
      executor = 'local'
    }
  }
  if (executor === 'docker') {
    if (!options.command && recipe.scale !== 'tiny') command = officialCommand(recipe, infra, dataDir)
    await refuseConcurrentRun(runDir)
  }

  const recipeDoc = {
    format: 'dcbench.recipe/1',
    benchmark: recipe.benchmark,
    scale: recipe.scale,
    track,
    recipe_hash: recipe.hash,
    recipe: recipe.recipe,
    derived: recipe.derived,
    infra,
  }
  await writeFileAtomic(join(runDir, 'recipe.json'), `${JSON.stringify(recipeDoc, null, 2)}\n`)

  const now = (): string => new Date().toISOString()
  const attempt: RunAttempt = {executor, image_digest: imageDigest, started_at: now(), finished_at: null, exit_code: null, oom_killed: false, resumed_from_step: null, last_step: null}
  const manifest: RunManifest = {
    format: 'dcbench.run/1',
    benchmark: recipe.benchmark,
    scale: recipe.scale,
    track,
    recipe_hash: recipe.hash,
    subset_fingerprint: data.subsetFingerprint,
    subset_size: data.subsetSize,
    pool_index_sha256: data.poolIndexSha256,
    data_dir: dataDir,
    executor,
    image_digest: imageDigest,
    image,
    command,
    infra,
    threads,
    gpus,
    memory_bytes: executor === 'docker' ? (options.memoryBytes ?? Math.floor(totalmem() * 0.8)) : null,
    max_steps: options.maxSteps ?? null,
    started_at: previous?.started_at ?? attempt.started_at,
    finished_at: null,
    exit_status: 'running',
    attempts: [...(previous?.attempts ?? []), attempt],
    steps: previous?.steps ?? null,
    steps_total: previous?.steps_total ?? null,
    final_loss: previous?.final_loss ?? null,
    validation: null,
    harness_version: harnessVersion(),
  }
  await writeRunManifest(runDir, manifest)

  const finalFile = join(runDir, 'final.json')
  const finishedBefore = readFinal(finalFile)
  let outcome: ExecutorOutcome
  let errorMessage: string | undefined
  let lastStderr: string | undefined
  if (finishedBefore?.complete === true) {
    // the trainer finished but the harness did not record it (killed in between): only validate
    outcome = {exitCode: 0, oomKilled: false, stopped: false}
  } else {
    const log = createWriteStream(join(runDir, 'logs/train.log'), {flags: 'a'})
    log.write(`# dcbench: attempt ${manifest.attempts.length} (${executor}${image ? ` ${image}` : ''}) started ${attempt.started_at}\n`)
    let attemptStart: {step: number; time: number} | undefined
    const onLine = (line: string, stream: 'stdout' | 'stderr'): void => {
      log.write(`${line}\n`)
      options.onLog?.(line)
      if (stream === 'stderr' && line.trim() !== '') lastStderr = line.trim()
      const event = stream === 'stdout' ? parseTrainerLine(line) : undefined
      if (event) handleEvent(event)
    }
    const handleEvent = (event: TrainerEvent): void => {
      switch (event.event) {
        case 'start':
          attempt.resumed_from_step = event.resumed_from_step
          manifest.steps_total = event.steps_total
          attemptStart = {step: event.resumed_from_step, time: Date.now()}
          options.onProgress?.({phase: 'train', step: event.resumed_from_step, stepsTotal: options.maxSteps ?? event.steps_total, message: `${event.device ?? 'cpu'}, ${event.threads ?? threads} threads`})
          break
        case 'step': {
          attempt.last_step = event.step
          manifest.steps = event.step
          manifest.final_loss = event.loss
          const target = options.maxSteps === undefined ? event.steps_total : Math.min(options.maxSteps, event.steps_total)
          attemptStart ??= {step: event.step - 1, time: Date.now()}
          const done = event.step - attemptStart.step
          const eta = done > 0 ? ((Date.now() - attemptStart.time) / 1000 / done) * Math.max(0, target - event.step) : undefined
          options.onProgress?.({phase: 'train', step: event.step, stepsTotal: target, loss: event.loss, etaSeconds: eta})
          break
        }
        case 'export':
          options.onProgress?.({phase: 'export', message: `${event.files.length} files`})
          break
        case 'error':
          errorMessage = event.message
          break
        default:
          break
      }
    }
    const run: ExecutorRun = {
      dataDir,
      runDir,
      command,
      env: {
        DCBENCH_THREADS: String(threads),
        DCBENCH_GPUS: String(gpus),
        ...(options.maxSteps === undefined ? {} : {DCBENCH_MAX_STEPS: String(options.maxSteps)}),
      },
      threads,
      memoryBytes: manifest.memory_bytes ?? 0,
      gpus,
      labels: {[LABELS.run]: runDir, [LABELS.benchmark]: recipe.benchmark, [LABELS.scale]: recipe.scale, [LABELS.harnessVersion]: harnessVersion()},
      onLine,
      signal: options.signal,
    }
    try {
      outcome = executor === 'docker' ? await runInDocker({...run, image: image as string}) : await runLocally({...run, python: await localPython(), trainersDir: trainersDir(options)})
    } catch (error) {
      attempt.finished_at = now()
      manifest.finished_at = attempt.finished_at
      manifest.exit_status = 'failed'
      await writeRunManifest(runDir, manifest)
      throw error
    } finally {
      log.write(`# dcbench: attempt ${manifest.attempts.length} ended ${now()}\n`)
      await new Promise<void>((r) => log.end(() => r()))
    }
  }
  attempt.exit_code = outcome.exitCode
  attempt.oom_killed = outcome.oomKilled
  attempt.finished_at = now()
  manifest.finished_at = attempt.finished_at

  const where = `${runDir}`
  const stepText = manifest.steps === null ? '' : ` at step ${manifest.steps}${manifest.steps_total ? `/${manifest.steps_total}` : ''}`
  if (outcome.exitCode !== 0) {
    const fail = async (status: RunStatus, error: DcbError): Promise<never> => {
      manifest.exit_status = status
      await writeRunManifest(runDir, manifest)
      throw error
    }
    if (outcome.oomKilled) {
      const limit = manifest.memory_bytes ? ` (limit ${(manifest.memory_bytes / 2 ** 30).toFixed(1)} GiB)` : ''
      return fail('oom_killed', new DcbError('DCB_TRAIN_OOM', `${where}: the trainer was killed by the kernel's OOM killer${limit}${stepText}`, {
        exitCode: ExitCode.Environment,
        suggestions: ['give it more memory (--memory) or fewer samples per device (--set per_device_batch_size=…), then run the same command to resume'],
      }))
    }
    if (outcome.stopped || outcome.exitCode === 143 || outcome.exitCode === 130) {
      return fail('interrupted', new DcbError('DCB_TRAIN_INTERRUPTED', `${where}: training stopped${stepText}; the trainer saved a checkpoint`, {
        exitCode: ExitCode.Environment,
        suggestions: ['run the same bench train command to resume'],
      }))
    }
    if (outcome.exitCode === 2) {
      return fail('failed', new DcbError('DCB_TRAIN_INPUT', `${where}: the trainer refused its input: ${errorMessage ?? lastStderr ?? 'no message'}`, {exitCode: ExitCode.Usage}))
    }
    return fail('failed', new DcbError('DCB_TRAIN_FAILED', `${where}: the trainer exited with code ${outcome.exitCode}${stepText}: ${errorMessage ?? lastStderr ?? 'no output'}`, {
      exitCode: ExitCode.Environment,
      suggestions: [`see ${join(runDir, 'logs/train.log')}; run the same command to resume from the last checkpoint`],
    }))
  }

  options.onProgress?.({phase: 'validate'})
  const report = await validateOutputs({runDir, benchmark: recipe.benchmark, scale: recipe.scale, recipeHash: recipe.hash, maxSteps: options.maxSteps})
  applyReport(manifest, report)
  manifest.exit_status = !report.ok ? 'invalid_outputs' : report.final?.complete ? 'complete' : 'stopped_at_max_steps'
  if (report.ok && manifest.exit_status === 'complete') manifest.max_steps = null
  await writeRunManifest(runDir, manifest)
  if (!report.ok) {
    throw new DcbError('DCB_TRAIN_OUTPUTS', report.problems[0] as string, {
      exitCode: ExitCode.CheckFailed,
      suggestions: [...report.problems.slice(1, 4), 'the run directory is left as it is; fix the trainer or image and run the same command again'],
    })
  }
  return resultOf(manifest, runDir, (Date.now() - started) / 1000, false, attempt.resumed_from_step, notes)
}

/**
 * The upstream argument list the official images' entrypoint (`dcbench_official.py clip|lm --`) passes
 * to open_clip / open_lm: DataComp's train.py and DCLM's params.py arguments (src/runner/official/).
 */
function officialCommand(recipe: ScaleRecipe, infra: InfraPlan, dataDir: string): string[] {
  if (recipe.benchmark === 'datacomp') {
    const tars = readdirSync(dataDir).filter((n) => n.endsWith('.tar')).sort()
    return clipTrainArgs({recipe, infra, trainData: webdatasetPattern('/data', tars)})
  }
  return lmTrainArgs({recipe, infra})
}

function applyReport(manifest: RunManifest, report: ValidationReport): void {
  manifest.validation = {ok: report.ok, problems: report.problems}
  if (report.final) {
    manifest.steps = report.final.steps
    manifest.steps_total = report.final.steps_total
    if (typeof report.final.final_loss === 'number') manifest.final_loss = report.final.final_loss
  }
}

function resultOf(m: RunManifest, runDir: string, seconds: number, already: boolean, resumed: number | null, notes: string[]): TrainResult {
  return {
    run_dir: runDir, benchmark: m.benchmark, scale: m.scale, executor: m.executor, image: m.image, image_digest: m.image_digest, exit_status: m.exit_status,
    steps: m.steps, steps_total: m.steps_total, final_loss: m.final_loss, seconds, already_complete: already, resumed_from_step: resumed, notes,
  }
}

function readFinal(file: string): FinalJson | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as FinalJson
  } catch {
    return undefined
  }
}

/** Subset facts from the data's manifest (DataComp manifest.json, DCLM tokenized.json). */
function readDataFacts(dataDir: string, recipe: ScaleRecipe): DataFacts {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new DcbError('DCB_TRAIN_DATA', `training data ${dataDir}: no such folder`, {suggestions: ['write it with bench reshard']})
  }
  const name = recipe.benchmark === 'datacomp' ? 'manifest.json' : 'tokenized.json'
  const file = join(dataDir, name)
  let doc: DataCompManifest | TokenizedManifest
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as DataCompManifest | TokenizedManifest
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new DcbError('DCB_TRAIN_DATA', `training data ${dataDir}: ${missing ? `no ${name}, so not ${recipe.benchmark} training data written by bench reshard` : `${name} is not valid JSON`}`, {
      suggestions: [`bench reshard --benchmark ${recipe.benchmark} --subset … --pool … --out ${dataDir}`],
    })
  }
  const format = recipe.benchmark === 'datacomp' ? DATACOMP_MANIFEST_FORMAT : TOKENIZED_FORMAT
  if (doc.format !== format) throw new DcbError('DCB_TRAIN_DATA', `${file}: format ${JSON.stringify(doc.format)}, expected ${format} (${recipe.benchmark} training data)`)
  if (recipe.benchmark === 'dclm') {
    const t = doc as TokenizedManifest
    const want = {tokenizer: recipe.recipe.tokenizer, seq_len: recipe.recipe.model_config.seq_len}
    for (const [key, value] of Object.entries(want)) {
      if (t[key as keyof typeof want] !== value) {
        throw new DcbError('DCB_TRAIN_DATA', `${file}: ${key} ${JSON.stringify(t[key as keyof typeof want])}, but the dclm ${recipe.scale} recipe needs ${JSON.stringify(value)}`, {
          suggestions: [`reshard for this scale: bench reshard --benchmark dclm --scale ${recipe.scale} …`],
        })
      }
    }
  }
  if ((doc.shards?.length ?? 0) === 0) throw new DcbError('DCB_TRAIN_DATA', `${file}: no shards; the subset selected nothing from the pool`)
  return {subsetFingerprint: doc.subset.fingerprint, subsetSize: doc.subset.size, poolIndexSha256: doc.pool.index_sha256}
}

/** The previous run.json when RUN is a run of the same recipe on the same data; errors otherwise. */
function checkRunDir(runDir: string, recipe: ScaleRecipe, data: DataFacts): RunManifest | undefined {
  if (!existsSync(runDir)) return undefined
  if (!statSync(runDir).isDirectory()) throw new DcbError('DCB_RUN_DIR', `run ${runDir}: exists and is not a folder`)
  const previous = readRunManifest(runDir)
  if (!previous) {
    if (readdirSync(runDir).length > 0) throw new DcbError('DCB_RUN_DIR', `run ${runDir}: not empty and has no run.json; choose a new --out folder`)
    return undefined
  }
  const mismatch = previous.benchmark !== recipe.benchmark || previous.scale !== recipe.scale ? `${previous.benchmark} ${previous.scale}`
    : previous.recipe_hash !== recipe.hash ? `recipe ${String(previous.recipe_hash).slice(0, 12)}…`
      : previous.subset_fingerprint !== data.subsetFingerprint ? `subset ${String(previous.subset_fingerprint).slice(0, 12)}…` : undefined
  if (mismatch) {
    throw new DcbError('DCB_RUN_DIR', `run ${runDir}: holds a run of ${mismatch}, not this ${recipe.benchmark} ${recipe.scale} run; a run folder resumes only the same recipe on the same data`, {
      suggestions: ['choose a new --out folder'],
    })
  }
  return previous
}

async function chooseExecutor(options: TrainOptions, recipe: ScaleRecipe, notes: string[]): Promise<'docker' | 'local'> {
  const choice = options.executor ?? 'auto'
  if (choice === 'docker' || (choice === 'auto' && recipe.scale !== 'tiny')) {
    if (!(await dockerAvailable())) {
      throw new DcbError('DCB_NO_DOCKER', `the Docker engine does not answer (${process.env.DOCKER_HOST ?? '/var/run/docker.sock'})`, {
        exitCode: ExitCode.Environment,
        suggestions: ['install and start it (Debian: apt-get install docker.io; dockerd), or train tiny scales with --executor local'],
      })
    }
    return 'docker'
  }
  if (choice === 'local') {
    if (recipe.scale !== 'tiny') {
      throw new DcbError('DCB_LOCAL_EXECUTOR', `the local executor trains only the tiny scale; ${recipe.benchmark} ${recipe.scale} runs in its GPU image`, {
        suggestions: [`--executor docker (image ${OFFICIAL_IMAGES[recipe.benchmark]})`],
      })
    }
    return 'local'
  }
  if (await dockerAvailable()) return 'docker'
  notes.push('the Docker engine does not answer: training with the host python3 (--executor local)')
  return 'local'
}

async function resolveImage(options: TrainOptions, recipe: ScaleRecipe): Promise<{image: string; imageDigest: string}> {
  if (options.image) {
    const id = await localImageId(options.image)
    if (!id) throw new DcbError('DCB_NO_IMAGE', `image ${options.image} is not in the local Docker engine`, {exitCode: ExitCode.Environment})
    return {image: options.image, imageDigest: id}
  }
  if (recipe.scale === 'tiny') {
    const ensure = options.ensureImage ?? ensureCpuImageForTrain
    const built = await ensure((message) => options.onProgress?.({phase: 'image', message}))
    return {image: built.tag, imageDigest: built.imageId}
  }
  const tag = OFFICIAL_IMAGES[recipe.benchmark]
  const id = await localImageId(tag)
  if (!id) {
    throw new DcbError('DCB_NO_IMAGE', `image ${tag} (the ${recipe.benchmark} ${recipe.scale} trainer) is not in the local Docker engine`, {
      exitCode: ExitCode.Environment,
      suggestions: [`build it on a machine with registry access: docker build -t ${tag} containers/${recipe.benchmark === 'datacomp' ? 'clip-train' : 'lm-train'}`],
    })
  }
  return {image: tag, imageDigest: id}
}

/** A container of this run still running means another bench train is on it; leftovers are removed. */
async function refuseConcurrentRun(runDir: string): Promise<void> {
  const docker = dockerClient()
  for (const info of await containersWithLabel(LABELS.run, runDir, docker)) {
    if (info.State === 'running') {
      throw new DcbError('DCB_RUN_BUSY', `run ${runDir}: container ${info.Id.slice(0, 12)} is already training it`, {
        exitCode: ExitCode.Environment,
        suggestions: [`wait for it, or stop it: docker stop ${info.Id.slice(0, 12)}`],
      })
    }
    await docker.getContainer(info.Id).remove({force: true}).catch(() => {})
  }
}

async function localPython(): Promise<string> {
  const python = await findHostPython()
  if (!python?.torch || !python.numpy) {
    throw new DcbError('DCB_NO_TORCH', python ? `${python.path} (python ${python.version}) cannot import ${python.torch ? 'numpy' : 'torch'}` : 'no python3 found on this host', {
      exitCode: ExitCode.Environment,
      suggestions: ['Debian/Ubuntu: apt-get install python3-torch python3-numpy python3-pil (or set DCBENCH_PYTHON to a python3 that has them), or use --executor docker'],
    })
  }
  return python.path
}

function trainersDir(options: TrainOptions): string {
  const dir = options.trainersDir ?? join(packageRoot(), 'containers/trainers')
  if (!existsSync(join(dir, 'dcbench_trainers'))) {
    throw new DcbError('DCB_NO_TRAINERS', `${dir}: no dcbench_trainers package; this dcbench ships without its trainer code`, {exitCode: ExitCode.Environment})
  }
  return dir
}

