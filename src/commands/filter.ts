import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {benchmarkFlag} from '../cli/flags.js'
import {getBenchmark} from '../benchmarks/registry.js'
import type {BffFlags} from '../filters/builtin-types.js'
import {slurmFlags, slurmSettingsFromFlags} from '../cli/slurm-flags.js'
import {DcbError} from '../errors.js'
import {applyFilter, applyFilterShard, builtinFilterNames, checkFilterSpec, closeFilter, isFilterModuleSpec, filterRunKey, filterShardRefusal, findBuiltinFilter, loadFilter, mergeFilterShards, type ApplyFilterResult} from '../filters/index.js'
import {filterOnSlurm, planFilterOnSlurm} from '../runner/slurm/filter-array.js'
import {onInterrupt} from '../ui/interrupt.js'
import {count} from '../ui/plural.js'
import {createProgressDisplay} from '../ui/progress.js'
import {parseShard} from '../util/shards.js'
import {checkInputPath, checkOutputPath} from '../util/cli-path.js'

export default class Filter extends BenchCommand {
  static override summary = 'Run a data filter over a candidate pool and write the subset it keeps as a .npy.'
  static override description = `--filter is a built-in (${builtinFilterNames().join(', ')}) or your own TypeScript/JavaScript module whose default export is a DataFilter (docs/filters.md). The output is sorted and byte-identical to numpy's np.save of the uid array, ready for bench subset validate and bench reshard.

A filter module is code, and runs with your rights except what its sandbox removes: bench runs it in a child process under Node's permission model, where it may read only the pool, its own file and --allow-read paths, may write no file (bench writes the subset from its decisions), may start no process, thread or native addon, and sees none of your environment variables. The permission model does not restrict network access: a filter can send what it reads over the network. Node calls the model a seat belt for trusted code, not a barrier against malicious code; run a filter you do not trust in a container or VM (docs/security.md).`
  static override examples = [
    '<%= config.bin %> filter --benchmark datacomp --filter heuristic --pool pools/datacomp-tiny --out heuristic.npy',
    '<%= config.bin %> filter --benchmark dclm --filter ./my-filter.ts --pool pools/dclm-tiny --out mine.npy',
    '<%= config.bin %> filter --benchmark datacomp --filter random --size 9000 --seed 1 --pool pools/datacomp-tiny --out random.npy',
    '<%= config.bin %> filter --benchmark datacomp --filter clip-score --arch l14 --fraction 0.3 --pool pools/datacomp-tiny --out clip-l14-30.npy',
    '<%= config.bin %> filter --benchmark dclm --filter dclm-refinedweb --upstream-mappers ~/dclm/baselines/mappers --lid-model lid.176.bin --pool pools/dclm-tiny --out refinedweb.npy',
    '<%= config.bin %> filter --benchmark dclm --filter dclm-bff --expected-ngram-count 2000000000 --bff-max-bytes 4000000000 --pool pools/dclm-small --out bff.npy',
    '<%= config.bin %> filter --benchmark datacomp --filter ./by-embedding.ts --allow-read embeddings.npy --pool pools/datacomp-tiny --out mine.npy',
    '<%= config.bin %> filter --benchmark dclm --filter heuristic --pool /shared/pools/dclm --out /shared/heuristic.npy --executor slurm --shards 64 --partition cpu',
    '<%= config.bin %> filter --benchmark datacomp --filter random --size 9000 --pool pools/datacomp-tiny --out random.npy --shard 1/2',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    filter: Flags.string({description: 'A built-in filter name or a module file.', required: true}),
    pool: Flags.string({description: 'The pool folder (as written by bench pool synth or the official download).', required: true}),
    out: Flags.string({description: 'The subset .npy to write.', required: true}),
    size: Flags.integer({description: 'Keep exactly this many samples (scoring filters such as random).', min: 0}),
    fraction: Flags.string({description: 'Keep this share of the pool (scoring filters), e.g. 0.3.'}),
    seed: Flags.integer({description: 'Seed for filters that draw random numbers.', default: 0, min: 0}),
    'allow-read': Flags.string({description: 'A file or folder a filter module may read besides the pool and its own file (repeatable).', multiple: true}),
    arch: Flags.string({description: 'Built-in baselines: which CLIP score/features, b32 or l14 (DataComp --arch).', options: ['b32', 'l14']}),
    threshold: Flags.string({description: 'Built-in baselines: keep samples scoring at least this (DataComp clip-score --threshold).'}),
    'lid-model': Flags.string({description: 'Built-in baselines: a fastText language-ID model (.bin/.ftz); default the bundled lid.176.ftz.'}),
    centroids: Flags.string({description: 'Built-in baselines: k-means centroids of the pool embeddings, a 2-D float .npy.'}),
    'target-embeddings': Flags.string({description: 'DataComp image-based: ImageNet-1k train-image L/14 embeddings, a 2-D float .npy.'}),
    embedding: Flags.string({description: 'Embedding-based filters: which embedding array of the pool (DataComp: l14_img, b32_img, …).'}),
    'embeddings-dir': Flags.string({description: 'Embedding-based filters: read each <stem>.npz from this folder (what bench embed --out wrote) instead of the pool.'}),
    clusters: Flags.integer({description: 'Embedding-based filters: k-means clusters to fit when --centroids is not given (default 100).', min: 1}),
    eps: Flags.string({description: "semdedup, d4: SemDeDup's ε (duplicates are more similar than 1 − ε)."}),
    'largest-cluster': Flags.integer({description: "semdedup, d4: SemDeDup's largest_cluster_size_to_process — bigger clusters are deduplicated in parts of at most this many rows (default: 64 MiB of float32 rows, 21,845 at 768-d).", min: 1}),
    temperature: Flags.string({description: 'density-pruning: softmax temperature over cluster complexity (default 0.1).'}),
    model: Flags.string({description: 'Built-in baselines: a fastText quality classifier .bin (DCLM dclm-fasttext, dclm-baseline).'}),
    'remove-type': Flags.string({description: 'dclm-bff, dclm-baseline: what bff removes (default old-both, as DCLM).', options: ['paragraph', 'document', 'both', 'naive-both', 'old-both', 'exact']}),
    'min-ngram-size': Flags.integer({description: 'dclm-bff, dclm-baseline: units with fewer tokens are never deduplicated (default 13).'}),
    'max-ngram-size': Flags.integer({description: 'dclm-bff, dclm-baseline: the n-gram size (default 13).'}),
    'filtering-threshold': Flags.string({description: 'dclm-bff, dclm-baseline: remove a unit when more than this share of its n-grams were seen (default 0.8).'}),
    'expected-ngram-count': Flags.integer({description: 'dclm-bff, dclm-baseline: the n-grams the bloom filter is sized for (default 100,000,000).'}),
    'fp-rate': Flags.string({description: 'dclm-bff, dclm-baseline: the per-n-gram false-positive rate the filter is sized for (default 0.01).'}),
    'num-hashers': Flags.integer({description: "dclm-bff, dclm-baseline: hashers assumed while sizing (bff's --num-hashers; default 0 = optimal)."}),
    'bff-max-bytes': Flags.integer({description: 'dclm-bff, dclm-baseline: the most memory the bloom filter may take (default 90 % of RAM, as bff).'}),
    'upstream-mappers': Flags.string({description: "Built-in baselines: upstream's folder of word lists (DCLM: the baselines/mappers folder of a dclm checkout)."}),
    shard: Flags.string({description: "Filter only shard i of N of the pool's files (i/N; file k goes to shard k mod N + 1) into OUT.shards/; merge with --merge-shards N. Only filters that decide each sample alone.", helpGroup: 'SHARDS'}),
    'merge-shards': Flags.integer({description: 'Merge the N parts in OUT.shards/ into OUT, byte-identical to a local run (then removes them); give the same filter flags.', min: 1, helpGroup: 'SHARDS'}),
    executor: Flags.string({description: 'local (this process) or slurm (a job array, one task per shard, merged when all are done; docs/slurm.md).', options: ['local', 'slurm'], default: 'local'}),
    shards: Flags.integer({description: '--executor slurm: array tasks (shards); default one per pool file, at most 100.', min: 1, helpGroup: 'SLURM'}),
    'dry-run': Flags.boolean({description: '--executor slurm: print the shards and the sbatch script; submit nothing.', default: false}),
    ...slurmFlags,
  }

  async run(): Promise<ApplyFilterResult | Record<string, unknown>> {
    const {flags} = await this.parse(Filter)
    checkInputPath(flags.pool, {flag: '--pool', kind: 'folder', expected: 'the pool folder (as bench pool synth or the official download writes it)'})
    checkOutputPath(flags.out, {flag: '--out', kind: 'file', expected: 'the subset .npy to write'})
    const benchmark = getBenchmark(flags.benchmark).id
    const slurm = flags.executor === 'slurm'
    if ([flags.shard !== undefined, flags['merge-shards'] !== undefined, slurm].filter(Boolean).length > 1) throw new DcbError('DCB_USAGE', '--shard, --merge-shards and --executor slurm are different steps of one sharded filter run; give one of them')
    if (!slurm && (flags['dry-run'] || flags.shards !== undefined)) throw new DcbError('DCB_USAGE', `--${flags['dry-run'] ? 'dry-run' : 'shards'} describes an --executor slurm filter run; add --executor slurm`)
    const sharded = slurm || flags.shard !== undefined || flags['merge-shards'] !== undefined
    const fraction = flags.fraction === undefined ? undefined : Number(flags.fraction)
    // a filter's own output goes to stderr, also under --json (whose stdout is one JSON document)
    const onOutput = (line: string): void => void process.stderr.write(`${line}\n`)
    // a baseline that applies --fraction itself (a pool-wide threshold, as upstream) gets it instead of the size rule
    const ownsFraction = !isFilterModuleSpec(flags.filter) && findBuiltinFilter(flags.filter, benchmark)?.ownsFraction === true
    const threshold = numberFlag(flags.threshold)
    const builtin = {arch: flags.arch, threshold, fraction: ownsFraction ? fraction : undefined, lidModel: flags['lid-model'], centroids: flags.centroids, targetEmbeddings: flags['target-embeddings'], embedding: flags.embedding, embeddingsDir: flags['embeddings-dir'], clusters: flags.clusters, eps: numberFlag(flags.eps), largestCluster: flags['largest-cluster'], temperature: numberFlag(flags.temperature), model: flags.model, upstreamMappers: flags['upstream-mappers'], bff: bffFlags(flags), onNotice: onOutput}
    const context = {benchmark, seed: flags.seed, pool: flags.pool}
    const size = {size: flags.size, fraction: ownsFraction ? undefined : fraction}
    if (sharded) {
      checkFilterSpec(flags.filter, benchmark)
      const refusal = filterShardRefusal(flags.filter, context, builtin)
      if (refusal) throw refusal
    }
    const run = sharded ? filterRunKey({benchmark, filter: isFilterModuleSpec(flags.filter) ? resolve(flags.filter) : flags.filter, seed: flags.seed, ...size, allowRead: flags['allow-read']?.map((p) => resolve(p)), builtin: {...builtin, ...absolutePaths(builtin)}}) : ''
    const merge = {benchmark, pool: resolve(flags.pool), out: resolve(flags.out), run, ...size}
    if (slurm) {
      const settings = slurmSettingsFromFlags(flags)
      const options = {merge, taskArgs: taskArgs(flags), shards: flags.shards, settings}
      if (flags['dry-run']) {
        const plan = await planFilterOnSlurm(options)
        if (!this.jsonEnabled()) this.log(`${plan.shards.map((s) => `shard ${s.shard}: ${count(s.files.length, 'file')}`).join('\n')}\n${plan.script_file}:\n${plan.sbatch_script}`)
        return {dry_run: true, ...plan}
      }
      const progress = createProgressDisplay({label: 'slurm array', unit: 'shards', quiet: this.jsonEnabled()})
      const interrupt = onInterrupt(() => {})
      try {
        const {plan, jobId, ...merged} = await filterOnSlurm({...options, signal: interrupt.signal, onArray: (e) => progress.update({done: e.done, total: e.total, detail: e.jobId ? `job ${e.jobId}, ${e.running} running` : undefined})})
        this.report(merged)
        return {...merged, executor: 'slurm', slurm_job_id: jobId, shards: plan.shards, script_file: plan.script_file}
      } finally {
        progress.stop()
        interrupt.dispose()
      }
    }
    if (flags['merge-shards'] !== undefined) {
      const progress = createProgressDisplay({label: 'merge', unit: 'shards', quiet: this.jsonEnabled()})
      const merged = await mergeFilterShards({...merge, count: flags['merge-shards'], onProgress: progress.update}).finally(() => progress.stop())
      this.report(merged)
      return merged
    }
    const filter = await loadFilter(flags.filter, context, {allowRead: flags['allow-read'], onOutput, builtin})
    const progress = createProgressDisplay({label: `filter ${filter.name}`, unit: 'samples', quiet: this.jsonEnabled()})
    try {
      if (flags.shard !== undefined) {
        const shard = await applyFilterShard({filter, benchmark, pool: flags.pool, out: merge.out, ...size, shard: parseShard(flags.shard), run, onProgress: progress.update})
        progress.stop()
        if (!this.jsonEnabled()) this.log(`${shard.filter} shard ${shard.shard.index}/${shard.shard.count}: ${shard.pool_records} ${getBenchmark(benchmark).nouns.records} of ${count(shard.shard_files.length, 'file')} decided → ${shard.part}`)
        return {...shard, shard: `${shard.shard.index}/${shard.shard.count}`}
      }
      const result = await applyFilter({filter, benchmark, pool: flags.pool, out: flags.out, ...size, onProgress: progress.update})
      progress.stop()
      this.report(result)
      return result
    } finally {
      progress.stop()
      await closeFilter(filter)
    }
  }

  private report(result: ApplyFilterResult): void {
    if (this.jsonEnabled()) return
    const share = result.poolRecords ? ((100 * result.kept) / result.poolRecords).toFixed(1) : '0'
    this.log(`${result.filter}: kept ${result.kept} of ${result.poolRecords} (${share}%) in ${result.seconds.toFixed(1)} s → ${result.out}`)
    this.log(`  fingerprint ${result.fingerprint}`)
  }
}

function bffFlags(flags: Record<string, unknown>): BffFlags {
  const n = (name: string): number | undefined => flags[name] as number | undefined
  return {
    removeType: flags['remove-type'] as string | undefined,
    minNgramSize: n('min-ngram-size'),
    maxNgramSize: n('max-ngram-size'),
    filteringThreshold: numberFlag(flags['filtering-threshold'] as string | undefined),
    expectedNgramCount: n('expected-ngram-count'),
    fpRate: numberFlag(flags['fp-rate'] as string | undefined),
    numHashers: n('num-hashers'),
    maxBytes: n('bff-max-bytes'),
  }
}

/** The built-in options that are files, made absolute (the tasks of a SLURM array run in OUT's folder). */
function absolutePaths(builtin: {lidModel?: string; centroids?: string; targetEmbeddings?: string; embeddingsDir?: string; model?: string; upstreamMappers?: string}): Record<string, string> {
  const paths: Record<string, string> = {}
  for (const key of ['lidModel', 'centroids', 'targetEmbeddings', 'embeddingsDir', 'model', 'upstreamMappers'] as const) {
    const value = builtin[key]
    if (value !== undefined) paths[key] = resolve(value)
  }
  return paths
}

/** The arguments of this run for a SLURM task (`bench filter … --shard i/N`): every filter flag, paths absolute, no executor flags. */
function taskArgs(flags: Record<string, unknown>): string[] {
  const args: string[] = []
  for (const [name, value] of Object.entries(flags)) {
    if (TASK_SKIPS.has(name) || value === undefined || value === false) continue
    const values = Array.isArray(value) ? value : [value]
    for (const v of values) {
      if (v === true) args.push(`--${name}`)
      else args.push(`--${name}`, PATH_FLAGS.has(name) || (name === 'filter' && isFilterModuleSpec(String(v))) ? resolve(String(v)) : String(v))
    }
  }
  return args
}

/** Flags a task does not repeat: the executor's own, and --json (the task's log takes the human lines). */
const TASK_SKIPS = new Set(['executor', 'shards', 'dry-run', 'shard', 'merge-shards', 'json', ...Object.keys(slurmFlags)])
const PATH_FLAGS = new Set(['pool', 'out', 'allow-read', 'lid-model', 'centroids', 'target-embeddings', 'embeddings-dir', 'model', 'upstream-mappers'])

function numberFlag(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value)
}
