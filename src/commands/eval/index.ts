import {dirname, resolve} from 'node:path'
import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag, scaleFlag} from '../../cli/flags.js'
import {getBenchmark} from '../../benchmarks/registry.js'
import {DcbError} from '../../errors.js'
import {assertDeviceAvailable} from '../../eval/cuda-provider.js'
import {getRecipe} from '../../tracks/registry.js'
import type {EvalRunOutcome} from '../../benchmarks/benchmark.js'
import {slurmFlags, slurmSettingsFromFlags} from '../../cli/slurm-flags.js'
import {mergeEvalShards, runEvalShard, type ShardableEvalOptions} from '../../eval/sharded-eval.js'
import {parseShard} from '../../eval/shards.js'
import {evalOnSlurm, planEvalOnSlurm} from '../../runner/slurm/eval-array.js'
import {onInterrupt} from '../../ui/interrupt.js'
import {createProgressDisplay, type ProgressDisplay} from '../../ui/progress.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class Eval extends BenchCommand {
  static override summary = "Evaluate a trained model on its benchmark's eval suite."
  static override description =
    "datacomp: runs the scale's suite (38 scored tasks of DataComp; the synthetic tiny suite at --scale tiny) on a CLIP model directory with onnxruntime-node, appending one line per finished task to OUT/eval_results.jsonl in DataComp's format, with each task's per-example predictions in OUT/datacomp-tasks/<task>.json — run it again to resume — then prints the aggregates (ImageNet, ImageNet dist. shifts, VTAB, Retrieval, Average).\n\n" +
    "dclm: runs the scale's LM suite (DCLM's 53 ICL tasks from --data, a copy of llm-foundry's local_data; at --scale tiny the synthetic dclm-tiny suite, generated on first use) on an LM model directory with onnxruntime-node, exactly as llm-foundry 0.9.0 prompts and scores them. Each finished task is cached in OUT/dclm-tasks/ (run again to resume); OUT/evaluation_<model>_<suite>.json is DCLM's eval JSON with CORE/EXTENDED v1+v2. Absent task files are reported and make CORE/EXTENDED 'N/A due to missing tasks'; when none of the asked-for tasks has its file (and nothing is cached), it stops with exit 2 and the `bench eval fetch` command that downloads them, writing no eval JSON.\n\n" +
    "Sharded: --shard i/N runs every N-th task (any executor) into OUT/eval-shards/i-of-N/; --merge-shards N merges the N shards into the same results file a local eval writes. --executor slurm does both on a SLURM cluster: a job array of --shards tasks (default one per task), each running bench eval --shard on a node (which needs Node.js >= 20 and this checkout at the same paths; docs/slurm.md), then the merge here. --dry-run --json prints the sbatch script."
  static override examples = [
    '<%= config.bin %> eval --benchmark datacomp --scale medium --model runs/m1/model --data ~/dcbench-eval',
    '<%= config.bin %> eval --benchmark datacomp --scale medium --model runs/m1/model --tasks imagenet1k,vtab/cifar100 --out runs/m1/eval',
    '<%= config.bin %> eval --benchmark datacomp --scale tiny --model runs/tiny/model --json',
    '<%= config.bin %> eval --benchmark dclm --scale 1b-1x --model runs/lm1/model --data ~/llm-foundry/scripts/eval/local_data',
    '<%= config.bin %> eval --benchmark dclm --scale tiny --model runs/tiny-lm/model',
    '<%= config.bin %> eval --benchmark datacomp --scale medium --model /shared/runs/m1/model --data /shared/eval --executor slurm --shards 8 --partition cpu --time 60',
    '<%= config.bin %> eval --benchmark datacomp --scale tiny --model runs/tiny/model --shard 2/3',
    '<%= config.bin %> eval --benchmark datacomp --scale tiny --model runs/tiny/model --merge-shards 3',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({required: true}),
    model: Flags.string({description: 'Model directory (RUN/model) with model.json.', required: true}),
    data: Flags.string({
      description:
        'Folder of eval datasets (DataComp layout or Hugging Face cache layout). Default: $DCBENCH_DATA or ~/.cache/dcbench/eval. At --scale tiny the synthetic suite is generated there (tiny-clip-<version>/) on first use.',
    }),
    out: Flags.string({description: "Output folder for eval_results.jsonl. Default: the model directory's parent (the run directory), as evaluate.py."}),
    tasks: Flags.string({description: 'Comma-separated task keys to run (default: the whole suite).'}),
    'batch-size': Flags.integer({description: 'Images and texts per batch.', default: 64, min: 1}),
    device: Flags.string({description: 'Inference device: cpu, or cuda (onnxruntime CUDA execution provider).', options: ['cpu', 'cuda'], default: 'cpu'}),
    'decode-threads': Flags.integer({description: 'Image worker threads, which decode (and on CPU also encode) batches (default: up to 4, one per core).', min: 1}),
    'batch-tokens': Flags.integer({description: 'dclm: largest model batch in tokens (rows x padded length); default keeps logits under 256 MiB.', min: 1}),
    shard: Flags.string({description: 'Run only shard i of N of the tasks (i/N; task k goes to shard k mod N + 1), into OUT/eval-shards/i-of-N/; merge with --merge-shards N. Any executor.', helpGroup: 'SHARDS'}),
    'merge-shards': Flags.integer({description: 'Merge the N shards in OUT/eval-shards/ into the results file a local eval writes (then removes them).', min: 1, helpGroup: 'SHARDS'}),
    executor: Flags.string({description: 'local (this process) or slurm (a job array, one task per shard, merged when all are done; docs/slurm.md).', options: ['local', 'slurm'], default: 'local'}),
    shards: Flags.integer({description: '--executor slurm: array tasks (shards); default one per task.', min: 1, helpGroup: 'SLURM'}),
    'dry-run': Flags.boolean({description: '--executor slurm: print the shards and the sbatch script; submit nothing.', default: false}),
    ...slurmFlags,
    heldout: Flags.string({description: "dclm: a tokenized validation set (tokshuf's layout: shard_*.tar of json.gz token lists) for the held-out loss step, written as eval_metrics.perplexity (the loss `bench predict fit --from` fits). At --scale tiny the step runs on generated held-out tiny-world text without it."}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(Eval)
    if (flags.out !== undefined) checkOutputPath(flags.out, {flag: '--out', kind: 'folder'})
    const benchmark = getBenchmark(flags.benchmark)
    const scale = getRecipe({benchmark: benchmark.id, scale: flags.scale})
    if (!benchmark.eval.run) throw new DcbError('DCB_NOT_AVAILABLE', `bench eval --benchmark ${benchmark.id} is not available in this build`)
    // before a suite is generated or a model read: the one-line fix, not onnxruntime's native error
    assertDeviceAvailable(flags.device as 'cpu' | 'cuda')
    const slurm = flags.executor === 'slurm'
    if ([flags.shard !== undefined, flags['merge-shards'] !== undefined, slurm].filter(Boolean).length > 1) throw new DcbError('DCB_USAGE', '--shard, --merge-shards and --executor slurm are different steps of one sharded eval; give one of them')
    if (!slurm && (flags['dry-run'] || flags.shards !== undefined)) throw new DcbError('DCB_USAGE', `--${flags['dry-run'] ? 'dry-run' : 'shards'} describes an --executor slurm eval; add --executor slurm`)
    const quiet = this.jsonEnabled()
    let display: ProgressDisplay | undefined
    const options: ShardableEvalOptions = {
      scale,
      modelDir: resolve(flags.model),
      dataDir: flags.data === undefined ? undefined : resolve(flags.data),
      outDir: resolve(flags.out ?? dirname(resolve(flags.model))),
      tasks: flags.tasks?.split(',').map((t) => t.trim()).filter(Boolean),
      device: flags.device as 'cpu' | 'cuda',
      batchSize: flags['batch-size'],
      decodeThreads: flags['decode-threads'],
      batchTokens: flags['batch-tokens'],
      ...(flags.heldout === undefined ? {} : {heldoutDir: resolve(flags.heldout)}),
      onProgress: (event) => {
        if (quiet) return
        if (event.kind === 'task-start') {
          display?.stop()
          display = createProgressDisplay({label: event.label ?? `[${event.index + 1}/${event.count}] ${event.task}`, unit: event.unit})
        } else if (event.kind === 'progress') display?.update({done: event.done, total: event.total})
        else if (event.kind === 'task-done') {
          display?.stop(event.message)
          display = undefined
        } else process.stderr.write(`${event.message}\n`)
      },
    }
    const settings = slurm ? slurmSettingsFromFlags(flags) : undefined
    if (settings && flags['dry-run']) {
      const plan = planEvalOnSlurm({benchmark, eval: options, shards: flags.shards, settings})
      if (!quiet) this.log(`${plan.shards.map((s) => `shard ${s.shard}: ${s.tasks.join(', ')}`).join('\n')}\n${plan.script_file}:\n${plan.sbatch_script}`)
      return {benchmark: benchmark.id, scale: flags.scale, dry_run: true, ...plan}
    }
    let extra: Record<string, unknown> = {}
    let outcome: EvalRunOutcome
    if (flags.shard !== undefined) {
      const shard = await runEvalShard(benchmark, options, parseShard(flags.shard))
      outcome = shard
      extra = {shard: `${shard.shard.index}/${shard.shard.count}`, shard_tasks: shard.shardTasks, shard_dir: shard.shardDir}
    } else if (flags['merge-shards'] !== undefined) {
      outcome = await mergeEvalShards(benchmark, options, flags['merge-shards'])
      extra = {merged_shards: flags['merge-shards']}
    } else if (settings) {
      const interrupt = onInterrupt((signal) => {
        if (!quiet) process.stderr.write(`\n${signal}: cancelling the array job…\n`)
      })
      const array = quiet ? undefined : createProgressDisplay({label: 'slurm array', unit: 'shards'})
      try {
        const result = await evalOnSlurm({benchmark, eval: {...options, onProgress: undefined}, shards: flags.shards, settings, signal: interrupt.signal, onArray: (e) => array?.update({done: e.done, total: e.total, detail: e.jobId ? `job ${e.jobId}, ${e.running} running` : undefined})})
        outcome = result
        extra = {executor: 'slurm', slurm_job_id: result.jobId, shards: result.plan.shards, script_file: result.plan.script_file}
      } finally {
        array?.stop()
        interrupt.dispose()
      }
    } else {
      outcome = await benchmark.eval.run(options)
    }
    display?.stop()
    if (!quiet) this.log(outcome.text)
    return {benchmark: benchmark.id, scale: flags.scale, ...outcome.json, ...extra}
  }
}
