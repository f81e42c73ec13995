import {constants, createWriteStream} from 'node:fs'
import {join} from 'node:path'

import {writeRunManifest, type RunAttempt, type RunManifest} from '../../contracts/run-manifest.js'
import {openInsideSync} from '../../util/no-follow.js'
import {harnessVersion} from '../../util/paths.js'
import {runInDocker} from '../executors/docker.js'
import {runLocally} from '../executors/local.js'
import {runOnSlurm} from '../executors/slurm.js'
import {outputFileOf, trainScript} from '../slurm/train-job.js'
import type {ExecutorOutcome, ExecutorRun} from '../executors/types.js'
import {LABELS, type Execution} from './executor-choice.js'
import type {TrainerFollower} from './follow.js'
import {refusingPlanted} from './run-folder.js'
import type {TrainOptions} from './types.js'

export interface LaunchInputs {
  options: TrainOptions
  execution: Execution
  manifest: RunManifest
  attempt: RunAttempt
  dataDir: string
  runDir: string
  follower: TrainerFollower
  /** `--executor slurm`: the run's job that may still be queued or running. */
  reattachJobId?: string
}

/**
 * Step 3 of `train()`: one attempt of the trainer under the container contract (docs/containers.md)
 * — the data read-only, the run folder writable, the environment the contract names — with every
 * output line appended to RUN/logs/train.log between two `# dcbench:` marker lines. The log is opened
 * once, before the trainer starts, and never through a link (src/util/no-follow.ts).
 */
export async function launchAttempt(inputs: LaunchInputs): Promise<ExecutorOutcome> {
  const {options, execution, manifest, attempt, follower} = inputs
  // Opened before the container starts, refusing a link an earlier attempt's trainer left there.
  const fd = refusingPlanted(() => openInsideSync(inputs.runDir, 'logs/train.log', constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT))
  const log = createWriteStream(join(inputs.runDir, 'logs/train.log'), {fd})
  log.write(`# dcbench: attempt ${manifest.attempts.length} (${execution.executor}${execution.image ? ` ${execution.image}` : ''}) started ${attempt.started_at}\n`)
  const run: ExecutorRun = {
    dataDir: inputs.dataDir,
    runDir: inputs.runDir,
    command: execution.command,
    workingDir: execution.executor === 'docker' ? execution.workingDir : undefined,
    env: {
      DCBENCH_THREADS: String(manifest.threads),
      DCBENCH_GPUS: String(manifest.gpus),
      ...(options.maxSteps === undefined ? {} : {DCBENCH_MAX_STEPS: String(options.maxSteps)}),
    },
    threads: manifest.threads,
    memoryBytes: manifest.memory_bytes ?? 0,
    gpus: manifest.gpus,
    labels: {[LABELS.run]: inputs.runDir, [LABELS.benchmark]: manifest.benchmark, [LABELS.scale]: manifest.scale, [LABELS.harnessVersion]: harnessVersion()},
    onLine: (line, stream) => {
      log.write(`${line}\n`)
      follower.line(line, stream)
    },
    signal: options.signal,
  }
  try {
    if (execution.executor === 'slurm') {
      const script = trainScript({manifest, settings: execution.settings, python: execution.python, trainersDir: execution.trainersDir, command: execution.command, dataDir: inputs.dataDir, runDir: inputs.runDir, maxSteps: options.maxSteps})
      const onJob = async (jobId: string, reattached: boolean): Promise<void> => {
        attempt.slurm_job_id = jobId
        if (reattached) attempt.slurm_reattached = true
        log.write(`# dcbench: ${reattached ? 're-attached to' : 'submitted'} SLURM job ${jobId}; its output: ${outputFileOf(jobId)}\n`)
        options.onProgress?.({phase: 'train', message: `SLURM job ${jobId}${reattached ? ' (re-attached)' : ''}`})
        await writeRunManifest(inputs.runDir, manifest)
      }
      return await runOnSlurm({runDir: inputs.runDir, script, outputFileOf, reattachJobId: inputs.reattachJobId, onJob, onLine: run.onLine, signal: options.signal})
    }
    return execution.executor === 'docker'
      ? await runInDocker({...run, image: execution.image})
      : await runLocally({...run, python: execution.python, trainersDir: execution.trainersDir})
  } finally {
    log.write(`# dcbench: attempt ${manifest.attempts.length} ended ${new Date().toISOString()}\n`)
    await new Promise<void>((r) => log.end(() => r()))
  }
}
