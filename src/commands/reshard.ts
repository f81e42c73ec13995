import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {benchmarkFlag, scaleFlag} from '../cli/flags.js'
import {getBenchmark} from '../benchmarks/registry.js'
import {slurmFlags, slurmSettingsFrom} from '../cli/slurm-flags.js'
import {DcbError} from '../errors.js'
import {reshard, type ReshardResult} from '../runner/reshard/index.js'
import {planReshardOnSlurm, reshardOnSlurm} from '../runner/slurm/reshard-job.js'
import {onInterrupt} from '../ui/interrupt.js'
import {createProgressDisplay} from '../ui/progress.js'
import {checkInputPath, checkOutputPath} from '../util/cli-path.js'

export default class Reshard extends BenchCommand {
  static override summary = "Write a subset's training shards from a pool, in the benchmark's training format."
  static override description =
    "DataComp: the official resharder's output — every pool sample whose uid is in the subset, copied as many times as the subset names it, keys rewritten to {uid}-{j}, 10,000 per tar, with _stats.json, sample_ids.npy, meta.json and a manifest.json of counts and sha256s. Streamed and resumable: run the same command again after an interruption and it continues after the last complete shard. DCLM: tokshuf's output — the selected documents tokenized with the recipe's tokenizer, EOT after each, cut into contexts of seq_len + 1, shuffled with the recipe's seed, written as shard_XXXXXXXX.tar of json.gz token lists with manifest.jsonl, tokenized.json and tokenizer.json. Formats: docs/contracts.md, 'Training data'.\n\n--executor slurm runs the same reshard as one SLURM job on one node (the nodes need Node.js >= 20 and this checkout at the same paths, docs/slurm.md), byte-identical to a local one; --dry-run --json prints its sbatch script."
  static override examples = [
    '<%= config.bin %> reshard --benchmark datacomp --subset subset.npy --pool pools/datacomp-tiny --out data/datacomp-tiny',
    '<%= config.bin %> reshard --benchmark dclm --scale tiny --subset ids.npy --pool pools/dclm-tiny --out data/dclm-tiny --json',
    '<%= config.bin %> reshard --benchmark datacomp --subset /shared/subset.npy --pool /shared/pools/medium --out /shared/data/medium --executor slurm --partition cpu',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({description: 'Recipe scale (DCLM: picks tokenizer and sequence length). Default: the scale in POOL/pool.json.'}),
    subset: Flags.string({description: 'The subset file (.npy, raw, .parquet or .csv).', required: true}),
    pool: Flags.string({description: 'The pool folder (DataComp: shards/*.tar; DCLM: documents/*.jsonl[.zst|.gz]).', required: true}),
    out: Flags.string({description: 'Folder for the training shards (new or empty; or an interrupted DataComp reshard to resume).', required: true}),
    tokenizer: Flags.string({description: "DCLM: a tokenizer.json for a recipe tokenizer dcbench does not ship (the official scales' gpt-neox-20b)."}),
    'shard-size': Flags.integer({description: 'Samples (DataComp, default 10000) or sequences (DCLM, default 8192) per shard.', min: 1}),
    executor: Flags.string({description: 'local (this process) or slurm (the same reshard as one SLURM job on one node, writing OUT; docs/slurm.md).', options: ['local', 'slurm'], default: 'local'}),
    'dry-run': Flags.boolean({description: '--executor slurm: print the sbatch script; submit nothing.', default: false}),
    ...slurmFlags,
  }

  async run(): Promise<ReshardResult | Record<string, unknown>> {
    const {flags} = await this.parse(Reshard)
    checkInputPath(flags.pool, {flag: '--pool', kind: 'folder', expected: 'the pool folder'})
    checkOutputPath(flags.out, {flag: '--out', kind: 'folder'})
    const benchmark = getBenchmark(flags.benchmark)
    const slurm = flags.executor === 'slurm'
    if (!slurm && flags['dry-run']) throw new DcbError('DCB_USAGE', '--dry-run describes an --executor slurm reshard; add --executor slurm')
    const options = {
      benchmark: flags.benchmark, scale: flags.scale, subsetFile: resolve(flags.subset), poolDir: resolve(flags.pool), outDir: resolve(flags.out),
      tokenizerFile: flags.tokenizer === undefined ? undefined : resolve(flags.tokenizer), shardSize: flags['shard-size'],
    }
    let result: ReshardResult
    let extra: Record<string, unknown> = {}
    if (slurm) {
      const taskArgs = ['--benchmark', benchmark.id, ...(flags.scale ? ['--scale', flags.scale] : []), '--subset', options.subsetFile, '--pool', options.poolDir, '--out', options.outDir, ...(options.tokenizerFile ? ['--tokenizer', options.tokenizerFile] : []), ...(options.shardSize ? ['--shard-size', String(options.shardSize)] : [])]
      const job = {reshard: options, taskArgs, settings: slurmSettingsFrom(flags)}
      if (flags['dry-run']) {
        const plan = planReshardOnSlurm(job)
        if (!this.jsonEnabled()) this.log(`${plan.script_file}:\n${plan.sbatch_script}`)
        return {dry_run: true, ...plan}
      }
      const progress = createProgressDisplay({label: 'slurm job', unit: 'tasks', quiet: this.jsonEnabled()})
      const interrupt = onInterrupt(() => {})
      try {
        const {plan, jobId, ...done} = await reshardOnSlurm({...job, signal: interrupt.signal, onArray: (e) => progress.update({done: e.done, total: e.total, detail: e.jobId ? `job ${e.jobId}, ${e.running} running` : undefined})})
        result = done
        extra = {executor: 'slurm', slurm_job_id: jobId, script_file: plan.script_file}
      } finally {
        progress.stop()
        interrupt.dispose()
      }
    } else {
      const progress = createProgressDisplay({label: 'reshard', unit: benchmark.nouns.records, quiet: this.jsonEnabled()})
      try {
        result = await reshard({...options, subsetFile: flags.subset, poolDir: flags.pool, outDir: flags.out, tokenizerFile: flags.tokenizer, onProgress: progress.update})
      } finally {
        progress.stop()
      }
    }
    if (!this.jsonEnabled()) {
      if (result.already_complete) this.log(`${result.out} already holds this subset's training data; nothing to do`)
      const tokenized = result.sequences === undefined ? '' : ` → ${result.sequences} sequences (${result.tokens} tokens)`
      const what = `${result.output_count} ${benchmark.nouns.records}${tokenized}`
      this.log(`${result.benchmark}${result.scale ? ` ${result.scale}` : ''}: ${what} in ${result.shards} shards → ${result.out} (${result.seconds.toFixed(1)} s${result.resumed_shards ? `, resumed after ${result.resumed_shards} shards` : ''})`)
      if (result.missing > 0) this.warn(`${result.missing} of the subset's ${result.subset_size} records were not found in the pool`)
      if (result.pool_duplicates > 0) this.warn(`${result.pool_duplicates} pool ${benchmark.nouns.records} the subset selects repeat an ${benchmark.nouns.id} an earlier one had; each was used too, as the official resharder uses them`)
    }
    return {...result, ...extra}
  }
}
