// oclif names a command after its file but reads `pool/index.ts` as the `pool` topic itself; this
// file sits at pool/index/index.ts so that its id is `pool index`.
import {resolve} from 'node:path'

import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../../cli/base-command.js'
import {parseByteSize} from '../../../cli/byte-size.js'
import {DcbError} from '../../../errors.js'
import {indexPool, type IndexPoolOptions, type IndexPoolResult} from '../../../pool/index.js'
import {indexPoolShard, mergePoolIndexShards} from '../../../pool/index-shards.js'
import {slurmFlags, slurmSettingsFromFlags} from '../../../cli/slurm-flags.js'
import {planPoolIndexOnSlurm, poolIndexOnSlurm} from '../../../runner/slurm/pool-index-array.js'
import {onInterrupt} from '../../../ui/interrupt.js'
import {parseShard} from '../../../util/shards.js'
import {count} from '../../../ui/plural.js'
import {createProgressDisplay} from '../../../ui/progress.js'
import {checkOutputPath} from '../../../util/cli-path.js'

export default class PoolIndex extends BenchCommand {
  static override summary = 'Build the sorted 128-bit uid index (.uidx) of a pool, for subset validation.'
  static override description =
    'Reads every uid of a DataComp pool (metadata parquet/CSV `uid` column, or the .json of downloaded shard tars) or every document id of a DCLM pool (JSONL[.gz|.zst] documents; id = first 128 bits of sha256(url, 0x00, text)), sorts them — in memory up to --memory, beyond that as sorted runs on disk merged at the end — and writes a small header (format version, kind, count, distinct count, sha256) and the sorted 16-byte records. Streamed: memory stays within --memory whatever the pool size.\n\nSharded: --shard i/N indexes every N-th file into OUT.shards/; --merge-shards N merges the parts into OUT, byte-identical to a local index. --executor slurm does both on a SLURM cluster (a job array; the nodes need Node.js >= 20 and this checkout at the same paths, docs/slurm.md); --dry-run --json prints its sbatch script.'
  static override examples = [
    '<%= config.bin %> pool index pools/datacomp-tiny --out pool.uidx',
    '<%= config.bin %> pool index metadata/*.parquet --out medium.uidx --memory 4GiB',
    '<%= config.bin %> pool index pools/dclm-tiny/documents --out dclm.uidx --json',
    '<%= config.bin %> pool index /shared/pools/medium/metadata --out /shared/medium.uidx --executor slurm --shards 64 --partition cpu',
    '<%= config.bin %> pool index pools/datacomp-tiny --out pool.uidx --shard 1/2',
  ]
  static override strict = false
  static override args = {
    inputs: Args.string({description: 'Pool folders or files (.parquet, .csv, .tar, .jsonl[.gz|.zst]).', required: true}),
  }
  static override flags = {
    out: Flags.string({description: 'The .uidx file to write.', required: true}),
    memory: Flags.string({description: 'Sort memory (e.g. 512MiB, 4GiB); beyond it an external merge sort is used.', default: '1GiB'}),
    'tmp-dir': Flags.string({description: 'Folder for sorted runs (default: the OS temp folder).'}),
    shard: Flags.string({description: "Index only shard i of N of the pool's files (i/N; file k goes to shard k mod N + 1) into OUT.shards/i-of-N.uidx; merge with --merge-shards N.", helpGroup: 'SHARDS'}),
    'merge-shards': Flags.integer({description: 'Merge the N parts in OUT.shards/ into OUT, byte-identical to a local index (then removes them).', min: 1, helpGroup: 'SHARDS'}),
    executor: Flags.string({description: 'local (this process) or slurm (a job array, one task per shard, merged when all are done; docs/slurm.md).', options: ['local', 'slurm'], default: 'local'}),
    shards: Flags.integer({description: "--executor slurm: array tasks (shards); default one per pool file, at most 100.", min: 1, helpGroup: 'SLURM'}),
    'dry-run': Flags.boolean({description: '--executor slurm: print the shards and the sbatch script; submit nothing.', default: false}),
    ...slurmFlags,
  }

  async run(): Promise<IndexPoolResult | Record<string, unknown>> {
    const {argv, flags} = await this.parse(PoolIndex)
    checkOutputPath(flags.out, {flag: '--out', kind: 'file', expected: 'the .uidx file to write'})
    const slurm = flags.executor === 'slurm'
    if ([flags.shard !== undefined, flags['merge-shards'] !== undefined, slurm].filter(Boolean).length > 1) throw new DcbError('DCB_USAGE', '--shard, --merge-shards and --executor slurm are different steps of one sharded index; give one of them')
    if (!slurm && (flags['dry-run'] || flags.shards !== undefined)) throw new DcbError('DCB_USAGE', `--${flags['dry-run'] ? 'dry-run' : 'shards'} describes an --executor slurm index; add --executor slurm`)
    const options: IndexPoolOptions = {inputs: (argv as string[]).map((input) => resolve(input)), out: resolve(flags.out), memoryBytes: parseByteSize(flags.memory, '--memory'), tmpDir: flags['tmp-dir'] === undefined ? undefined : resolve(flags['tmp-dir'])}
    const settings = slurm ? slurmSettingsFromFlags(flags) : undefined
    if (settings && flags['dry-run']) {
      const plan = await planPoolIndexOnSlurm({index: options, shards: flags.shards, settings})
      if (!this.jsonEnabled()) this.log(`${plan.shards.map((s) => `shard ${s.shard}: ${count(s.files.length, 'file')}`).join('\n')}\n${plan.script_file}:\n${plan.sbatch_script}`)
      return {dry_run: true, ...plan}
    }
    const progress = createProgressDisplay({label: slurm ? 'slurm array' : flags['merge-shards'] === undefined ? 'index' : 'merge', unit: slurm ? 'shards' : 'uids', quiet: this.jsonEnabled()})
    let result: IndexPoolResult & {shard?: unknown; merged_shards?: number; executor?: string; slurm_job_id?: string; shards?: unknown; script_file?: string}
    if (flags.shard !== undefined) result = await indexPoolShard({...options, shard: parseShard(flags.shard), onProgress: progress.update})
    else if (flags['merge-shards'] !== undefined) result = await mergePoolIndexShards({...options, count: flags['merge-shards'], onProgress: progress.update})
    else if (settings) {
      const interrupt = onInterrupt(() => {})
      try {
        const {plan, jobId, ...merged} = await poolIndexOnSlurm({index: options, shards: flags.shards, settings, signal: interrupt.signal, onArray: (e) => progress.update({done: e.done, total: e.total, detail: e.jobId ? `job ${e.jobId}, ${e.running} running` : undefined})})
        result = {...merged, executor: 'slurm', slurm_job_id: jobId, shards: plan.shards, script_file: plan.script_file}
      } finally {
        interrupt.dispose()
      }
    } else result = await indexPool({...options, onProgress: progress.update})
    progress.stop()
    if (!this.jsonEnabled()) {
      this.log(`${result.kind} pool index ${result.path}: ${count(result.count, 'uid')} (${result.unique} distinct) from ${count(result.sources.length, 'file')}${result.runs > 0 ? `, external sort with ${count(result.runs, 'run')}` : ''}`)
      this.log(`  sha256 ${result.sha256}`)
    }
    return result
  }
}
