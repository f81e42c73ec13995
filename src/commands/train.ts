import {Flags} from '@oclif/core'

import {parseByteSize} from '../cli/byte-size.js'
import {BenchCommand} from '../cli/base-command.js'
import {benchmarkFlag, infraSetFlag, scaleFlag, trackFlag} from '../cli/flags.js'
import {planTrain, train, type TrainOptions, type TrainPlan, type TrainResult} from '../runner/train/index.js'
import {slurmFlags, slurmSettingsFromFlags} from '../cli/slurm-flags.js'
import {parseOverridePairs} from '../tracks/infra.js'
import {onInterrupt} from '../ui/interrupt.js'
import {createProgressDisplay} from '../ui/progress.js'
import {renderTrainPlan} from '../ui/train-plan.js'
import {checkOutputPath} from '../util/cli-path.js'

export default class Train extends BenchCommand {
  static override summary = "Train a scale's frozen recipe on resharded data, in a container (or with the host's python3)."
  static override description =
    "Runs the trainer under the container contract (docs/containers.md): data mounted read-only, no network, the run's CPU and memory limits, GPUs by NVIDIA device request. Shows step, loss and ETA; copies every output line to RUN/logs/train.log; checks the outputs (final.json, metrics.jsonl, model/ loaded in onnxruntime and run once) and records RUN/run.json for bench submit. Ctrl-C stops the trainer, which saves a checkpoint; the same command resumes. On a finished run it does nothing. --executor auto (default) uses Docker when the engine answers, else the host's python3. --executor slurm submits a batch job (torchrun on every node, --set nodes=N) and follows it the same way; running the command again re-attaches to a job still queued or running (docs/slurm.md)."
  static override examples = [
    '<%= config.bin %> train --benchmark datacomp --scale tiny --data data/datacomp-tiny --out runs/clip-tiny',
    '<%= config.bin %> train --benchmark dclm --scale tiny --data data/dclm-tiny --out runs/gpt-tiny --executor local --max-steps 20 --json',
    '<%= config.bin %> train --benchmark dclm --scale tiny --data data/dclm-tiny --out runs/gpt-slurm --executor slurm --set nodes=2 --partition cpu --time 30 --requeue',
    '<%= config.bin %> train --benchmark datacomp --scale medium --data data/medium --out runs/medium --gpus 8 --set per_device_batch_size=256',
    '<%= config.bin %> train --benchmark dclm --scale 400m-1x --data data/400m --out runs/400m --dry-run --json',
    '<%= config.bin %> train --benchmark datacomp --scale medium --data /shared/data/medium --out /shared/runs/medium --executor slurm --set nodes=4 --runtime pyxis --slurm-image /shared/images/clip.sqsh --partition gpu --dry-run --json',
    '<%= config.bin %> train --benchmark datacomp --scale small --data data/small --out runs/small-smoke --smoke --vendor ../shared/vendor/python',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({required: true}),
    track: trackFlag({default: 'filtering'}),
    data: Flags.string({description: 'Training data written by bench reshard.', required: true}),
    out: Flags.string({description: 'The run folder (new, or an earlier run of the same recipe and data to resume).', required: true}),
    executor: Flags.string({description: 'docker, local (host python3 + torch), slurm (a batch job on the cluster; docs/slurm.md) or auto.', options: ['docker', 'local', 'slurm', 'auto'], default: 'auto'}),
    gpus: Flags.integer({description: "GPUs for the container (NVIDIA device request); short for --set gpus_per_node=N. Official scales default to the scale's GPUs (bench tracks show) and refuse 0.", min: 0}),
    smoke: Flags.boolean({description: "An official scale's upstream trainer on CPU for ten steps: its exact argument list except a tiny model, the step budget, workers, precision and FSDP (docs/official.md). Marked smoke in run.json; bench submit refuses it.", default: false}),
    'dry-run': Flags.boolean({description: 'Print the whole plan (executor, image, mounts, environment, GPUs, upstream_args; with --executor slurm the batch script as sbatch_script) without running anything; works without the data, the GPUs, the image or a SLURM client.', default: false}),
    vendor: Flags.string({description: "A folder of containers/official/sources.lock's archives, for building a missing smoke image offline (default $DCBENCH_VENDOR, else git)."}),
    set: infraSetFlag(),
    'max-steps': Flags.integer({description: 'Stop after this many optimizer steps in total (smoke test); run again without it to finish.', min: 1}),
    threads: Flags.integer({description: 'CPU threads for the trainer (default: every core).', min: 1}),
    memory: Flags.string({description: 'Container memory limit, e.g. 8GiB (default: 80% of the host).'}),
    image: Flags.string({description: "An image tag or id to run instead of the scale's own."}),
    ...slurmFlags,
  }

  async run(): Promise<TrainPlan | TrainResult> {
    const {flags} = await this.parse(Train)
    checkOutputPath(flags.out, {flag: '--out', kind: 'folder', expected: 'the run folder'})
    const quiet = this.jsonEnabled()
    const options: TrainOptions = {
      benchmark: flags.benchmark,
      scale: flags.scale,
      track: flags.track,
      dataDir: flags.data,
      runDir: flags.out,
      executor: flags.executor as 'docker' | 'local' | 'slurm' | 'auto',
      slurm: flags.executor === 'slurm' ? slurmSettingsFromFlags(flags) : undefined,
      gpus: flags.gpus,
      set: parseOverridePairs(flags.set ?? []),
      maxSteps: flags['max-steps'],
      threads: flags.threads,
      memoryBytes: flags.memory === undefined ? undefined : parseByteSize(flags.memory, '--memory'),
      image: flags.image,
      smoke: flags.smoke,
      vendor: flags.vendor,
    }
    if (flags['dry-run']) {
      const plan = await planTrain(options)
      if (!quiet) {
        for (const warning of plan.warnings) this.warn(warning)
        this.log(renderTrainPlan(plan))
      }
      return plan
    }
    const display = createProgressDisplay({label: 'train', unit: 'steps', quiet})
    const interrupt = onInterrupt((signal) => {
      if (!quiet) process.stderr.write(`\n${signal}: stopping the trainer (it saves a checkpoint)…\n`)
    })
    let result: TrainResult
    try {
      result = await train({
        ...options,
        signal: interrupt.signal,
        onProgress: (e) => {
          if (e.phase === 'train' && e.step !== undefined) display.update({done: e.step, total: e.stepsTotal, detail: e.loss === undefined ? e.message : `loss ${e.loss.toFixed(4)}`})
          else if (e.message && !quiet) process.stderr.write(`${e.phase}: ${e.message}\n`)
        },
      })
    } finally {
      display.stop()
      interrupt.dispose()
    }
    if (!quiet) {
      for (const note of result.notes) this.warn(note)
      if (result.already_complete) this.log(`${result.run_dir} is already complete; nothing to do`)
      else this.log(`${result.benchmark} ${result.scale}: ${result.exit_status} at step ${result.steps}/${result.steps_total}, loss ${result.final_loss?.toFixed(4) ?? '-'} in ${result.seconds.toFixed(1)} s (${result.executor}${result.image_digest ? ` ${result.image_digest.slice(0, 19)}` : ''}) → ${result.run_dir}`)
    }
    return result
  }
}
