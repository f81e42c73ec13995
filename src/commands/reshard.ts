import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {benchmarkFlag, scaleFlag} from '../cli/flags.js'
import {getBenchmark} from '../benchmarks/registry.js'
import {slurmFlags, slurmSettingsFromFlags} from '../cli/slurm-flags.js'
import {DcbError} from '../errors.js'
import {reshard, type ReshardResult} from '../runner/reshard/index.js'
import {mergeReshardShards, reshardShard} from '../runner/reshard/shards.js'
import {planReshardOnSlurm, reshardOnSlurm} from '../runner/slurm/reshard-job.js'
import {parseShard} from '../util/shards.js'
import {onInterrupt} from '../ui/interrupt.js'
import {createProgressDisplay} from '../ui/progress.js'
import {checkInputPath, checkOutputPath} from '../util/cli-path.js'

export default class Reshard extends BenchCommand {
  static override summary = "Write a subset's training shards from a pool, in the benchmark's training format."
  static override description =
    "DataComp: the official resharder's output — every pool sample whose uid is in the subset, copied as many times as the subset names it, keys rewritten to {uid}-{j}, 10,000 per tar, with _stats.json, sample_ids.npy, meta.json and a manifest.json of counts and sha256s. Streamed and resumable: run the same command again after an interruption and it continues after the last complete shard. DCLM: tokshuf's output — the selected documents tokenized with the recipe's tokenizer, EOT after each, cut into contexts of seq_len + 1, shuffled with the recipe's seed, written as shard_XXXXXXXX.tar of json.gz token lists with manifest.jsonl, tokenized.json and tokenizer.json. Formats: docs/contracts.md, 'Training data'.\n\n--executor slurm runs it on a SLURM cluster, byte-identical to a local reshard (the nodes need Node.js >= 20 and this checkout at the same paths, docs/slurm.md): DataComp as a job array — a plan of where each output shard starts, then each task writes a range of output shards (--shard i/N), then the merge (--merge-shards N) writes the manifests; DCLM, whose tokenize-shuffle shuffles globally, as one job on one node. --dry-run --json prints the sbatch script."
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
    shard: Flags.string({description: 'DataComp: write only task i of N\'s range of output shards (i/N), planning first when OUT holds no plan; merge with --merge-shards N.', helpGroup: 'SHARDS'}),
    'merge-shards': Flags.integer({description: 'DataComp: check the N tasks wrote every output shard and write sample_ids.npy, meta.json and manifest.json, byte-identical to a local reshard.', min: 1, helpGroup: 'SHARDS'}),
    executor: Flags.string({description: 'local (this process) or slurm (DataComp: a job array writing ranges of output shards, merged here; DCLM: one job on one node; docs/slurm.md).', options: ['local', 'slurm'], default: 'local'}),
    shards: Flags.integer({description: '--executor slurm, DataComp: array tasks (default one per pool shard, at most 100).', min: 1, helpGroup: 'SLURM'}),
    'dry-run': Flags.boolean({description: '--executor slurm: print the sbatch script; submit nothing.', default: false}),
    ...slurmFlags,
  }

  async run(): Promise<ReshardResult | Record<string, unknown>> {
    const {flags} = await this.parse(Reshard)
    checkInputPath(flags.pool, {flag: '--pool', kind: 'folder', expected: 'the pool folder'})
    checkOutputPath(flags.out, {flag: '--out', kind: 'folder'})
    const benchmark = getBenchmark(flags.benchmark)
    const slurm = flags.executor === 'slurm'
    if ([flags.shard !== undefined, flags['merge-shards'] !== undefined, slurm].filter(Boolean).length > 1) throw new DcbError('DCB_USAGE', '--shard, --merge-shards and --executor slurm are different steps of one sharded reshard; give one of them')
    if (!slurm && (flags['dry-run'] || flags.shards !== undefined)) throw new DcbError('DCB_USAGE', `--${flags['dry-run'] ? 'dry-run' : 'shards'} describes an --executor slurm reshard; add --executor slurm`)
    const options = {
      benchmark: flags.benchmark, scale: flags.scale, subsetFile: resolve(flags.subset), poolDir: resolve(flags.pool), outDir: resolve(flags.out),
      tokenizerFile: flags.tokenizer === undefined ? undefined : resolve(flags.tokenizer), shardSize: flags['shard-size'],
    }
    let result: ReshardResult
    let extra: Record<string, unknown> = {}
    if (slurm) {
      const taskArgs = ['--benchmark', benchmark.id, ...(flags.scale ? ['--scale', flags.scale] : []), '--subset', options.subsetFile, '--pool', options.poolDir, '--out', options.outDir, ...(options.tokenizerFile ? ['--tokenizer', options.tokenizerFile] : []), ...(options.shardSize ? ['--shard-size', String(options.shardSize)] : [])]
      const job = {reshard: options, taskArgs, shards: flags.shards, settings: slurmSettingsFromFlags(flags)}
      if (flags['dry-run']) {
        const plan = await planReshardOnSlurm(job)
        if (!this.jsonEnabled()) this.log(`${plan.script_file}:\n${plan.sbatch_script}`)
        return {dry_run: true, ...plan}
      }
      const progress = createProgressDisplay({label: 'slurm job', unit: 'tasks', quiet: this.jsonEnabled()})
      const interrupt = onInterrupt(() => {})
      try {
        const {plan, jobId, ...done} = await reshardOnSlurm({...job, signal: interrupt.signal, onArray: (e) => progress.update({done: e.done, total: e.total, detail: e.jobId ? `job ${e.jobId}, ${e.running} running` : undefined})})
        result = done
        // null: OUT already held this subset's training data, and nothing was submitted
        extra = {executor: 'slurm', slurm_job_id: jobId, script_file: jobId === null ? null : plan.script_file}
      } finally {
        progress.stop()
        interrupt.dispose()
      }
    } else if (flags.shard !== undefined) {
      const progress = createProgressDisplay({label: `reshard ${flags.shard}`, unit: 'output shards', quiet: this.jsonEnabled()})
      const done = await reshardShard({...options, shard: parseShard(flags.shard), onProgress: progress.update}).finally(() => progress.stop())
      if (!this.jsonEnabled()) this.log(`shard ${done.shard}: output shards ${done.output_shards.length > 0 ? `${done.output_shards[0]}…${done.output_shards.at(-1)}` : '(none)'} → ${options.outDir}`)
      return done
    } else if (flags['merge-shards'] !== undefined) {
      result = await mergeReshardShards({...options, count: flags['merge-shards']})
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
