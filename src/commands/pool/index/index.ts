// oclif names a command after its file but reads `pool/index.ts` as the `pool` topic itself; this
// file sits at pool/index/index.ts so that its id is `pool index`.
import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../../cli/base-command.js'
import {parseByteSize} from '../../../cli/byte-size.js'
import {indexPool, type IndexPoolResult} from '../../../pool/index.js'
import {count} from '../../../ui/plural.js'
import {createProgressDisplay} from '../../../ui/progress.js'
import {checkOutputPath} from '../../../util/cli-path.js'

export default class PoolIndex extends BenchCommand {
  static override summary = 'Build the sorted 128-bit uid index (.uidx) of a pool, for subset validation.'
  static override description =
    'Reads every uid of a DataComp pool (metadata parquet/CSV `uid` column, or the .json of downloaded shard tars) or every document id of a DCLM pool (JSONL[.gz|.zst] documents; id = first 128 bits of sha256(url, 0x00, text)), sorts them — in memory up to --memory, beyond that as sorted runs on disk merged at the end — and writes a small header (format version, kind, count, distinct count, sha256) and the sorted 16-byte records. Streamed: memory stays within --memory whatever the pool size.'
  static override examples = [
    '<%= config.bin %> pool index pools/datacomp-tiny --out pool.uidx',
    '<%= config.bin %> pool index metadata/*.parquet --out medium.uidx --memory 4GiB',
    '<%= config.bin %> pool index pools/dclm-tiny/documents --out dclm.uidx --json',
  ]
  static override strict = false
  static override args = {
    inputs: Args.string({description: 'Pool folders or files (.parquet, .csv, .tar, .jsonl[.gz|.zst]).', required: true}),
  }
  static override flags = {
    out: Flags.string({description: 'The .uidx file to write.', required: true}),
    memory: Flags.string({description: 'Sort memory (e.g. 512MiB, 4GiB); beyond it an external merge sort is used.', default: '1GiB'}),
    'tmp-dir': Flags.string({description: 'Folder for sorted runs (default: the OS temp folder).'}),
  }

  async run(): Promise<IndexPoolResult> {
    const {argv, flags} = await this.parse(PoolIndex)
    checkOutputPath(flags.out, {flag: '--out', kind: 'file', expected: 'the .uidx file to write'})
    const progress = createProgressDisplay({label: 'index', unit: 'uids', quiet: this.jsonEnabled()})
    const result = await indexPool({inputs: argv as string[], out: flags.out, memoryBytes: parseByteSize(flags.memory, '--memory'), tmpDir: flags['tmp-dir'], onProgress: progress.update})
    progress.stop()
    if (!this.jsonEnabled()) {
      this.log(`${result.kind} pool index ${result.path}: ${count(result.count, 'uid')} (${result.unique} distinct) from ${count(result.sources.length, 'file')}${result.runs > 0 ? `, external sort with ${count(result.runs, 'run')}` : ''}`)
      this.log(`  sha256 ${result.sha256}`)
    }
    return result
  }
}
