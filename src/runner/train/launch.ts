import {createWriteStream} from 'node:fs'
import {join} from 'node:path'

import type {RunAttempt, RunManifest} from '../../contracts/run-manifest.js'
import {harnessVersion} from '../../util/paths.js'
import {runInDocker} from '../executors/docker.js'
import {runLocally} from '../executors/local.js'
import type {ExecutorOutcome, ExecutorRun} from '../executors/types.js'
import {LABELS, type Execution} from './executor-choice.js'
import type {TrainerFollower} from './follow.js'
import type {TrainOptions} from './types.js'

export interface LaunchInputs {
  options: TrainOptions
  execution: Execution
  manifest: RunManifest
  attempt: RunAttempt
  dataDir: string
  runDir: string
  follower: TrainerFollower
}

/**
 * Step 3 of `train()`: one attempt of the trainer under the container contract (docs/containers.md)
 * — the data read-only, the run folder writable, the environment the contract names — with every
 * output line appended to RUN/logs/train.log between two `# dcbench:` marker lines.
 */
export async function launchAttempt(inputs: LaunchInputs): Promise<ExecutorOutcome> {
  const {options, execution, manifest, attempt, follower} = inputs
  const log = createWriteStream(join(inputs.runDir, 'logs/train.log'), {flags: 'a'})
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
    return execution.executor === 'docker'
      ? await runInDocker({...run, image: execution.image})
      : await runLocally({...run, python: execution.python, trainersDir: execution.trainersDir})
  } finally {
    log.write(`# dcbench: attempt ${manifest.attempts.length} ended ${new Date().toISOString()}\n`)
    await new Promise<void>((r) => log.end(() => r()))
  }
}
