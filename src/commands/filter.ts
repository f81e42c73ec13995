import {existsSync} from 'node:fs'

import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {benchmarkFlag} from '../cli/flags.js'
import {getBenchmark} from '../benchmarks/registry.js'
import type {BffFlags} from '../filters/builtin-types.js'
import {applyFilter, builtinFilterNames, closeFilter, findBuiltinFilter, loadFilter, type ApplyFilterResult} from '../filters/index.js'
import {createProgressDisplay} from '../ui/progress.js'
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
  }

  async run(): Promise<ApplyFilterResult> {
    const {flags} = await this.parse(Filter)
    checkInputPath(flags.pool, {flag: '--pool', kind: 'folder', expected: 'the pool folder (as bench pool synth or the official download writes it)'})
    checkOutputPath(flags.out, {flag: '--out', kind: 'file', expected: 'the subset .npy to write'})
    const benchmark = getBenchmark(flags.benchmark).id
    const fraction = flags.fraction === undefined ? undefined : Number(flags.fraction)
    // a filter's own output goes to stderr, also under --json (whose stdout is one JSON document)
    const onOutput = (line: string): void => void process.stderr.write(`${line}\n`)
    // a baseline that applies --fraction itself (a pool-wide threshold, as upstream) gets it instead of the size rule
    const ownsFraction = !existsSync(flags.filter) && findBuiltinFilter(flags.filter, benchmark)?.ownsFraction === true
    const threshold = numberFlag(flags.threshold)
    const builtin = {arch: flags.arch, threshold, fraction: ownsFraction ? fraction : undefined, lidModel: flags['lid-model'], centroids: flags.centroids, targetEmbeddings: flags['target-embeddings'], embedding: flags.embedding, embeddingsDir: flags['embeddings-dir'], clusters: flags.clusters, eps: numberFlag(flags.eps), largestCluster: flags['largest-cluster'], temperature: numberFlag(flags.temperature), model: flags.model, upstreamMappers: flags['upstream-mappers'], bff: bffFlags(flags), onNotice: onOutput}
    const filter = await loadFilter(flags.filter, {benchmark, seed: flags.seed, pool: flags.pool}, {allowRead: flags['allow-read'], onOutput, builtin})
    const progress = createProgressDisplay({label: `filter ${filter.name}`, unit: 'samples', quiet: this.jsonEnabled()})
    let result: ApplyFilterResult
    try {
      result = await applyFilter({filter, benchmark, pool: flags.pool, out: flags.out, size: flags.size, fraction: ownsFraction ? undefined : fraction, onProgress: progress.update})
    } finally {
      progress.stop()
      await closeFilter(filter)
    }
    if (!this.jsonEnabled()) {
      const share = result.poolRecords ? ((100 * result.kept) / result.poolRecords).toFixed(1) : '0'
      this.log(`${result.filter}: kept ${result.kept} of ${result.poolRecords} (${share}%) in ${result.seconds.toFixed(1)} s → ${result.out}`)
      this.log(`  fingerprint ${result.fingerprint}`)
    }
    return result
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

function numberFlag(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value)
}
