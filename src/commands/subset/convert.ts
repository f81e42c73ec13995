import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {parseByteSize} from '../../cli/byte-size.js'
import {unknownChoice} from '../../errors.js'
import {convertSubset, SUBSET_FORMATS, type ConvertSubsetResult, type SubsetFormat} from '../../subset/index.js'
import {count} from '../../ui/plural.js'
import {createProgressDisplay} from '../../ui/progress.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class SubsetConvert extends BenchCommand {
  static override summary = 'Convert a subset between .npy, raw memmap, .parquet and .csv (DataComp uids or DCLM document ids).'
  static override description =
    "Writes the canonical form of the input subset: records in ascending uid order with repeats kept — npy/raw as k copies in a row (.npy byte-identical to numpy's np.save of the sorted u8,u8 array), tables as one row per uid with a `repeat` column. The output format comes from OUT's extension (.npy, .parquet, .csv; anything else is raw) or --format. Written atomically; an unsorted input is sorted in bounded memory."
  static override examples = [
    '<%= config.bin %> subset convert picks.csv subset.npy',
    '<%= config.bin %> subset convert subset.npy subset.parquet --json',
    '<%= config.bin %> subset convert subset.npy subset.u8u8 --format raw',
  ]
  static override args = {
    input: Args.string({description: 'The subset to read (.npy, raw, .parquet, .csv).', required: true}),
    out: Args.string({description: 'The file to write.', required: true}),
  }
  static override flags = {
    format: Flags.string({description: `Output format (${SUBSET_FORMATS.join(', ')}); default from OUT's extension.`}),
    'id-column': Flags.string({description: "Tables: name of the id column (default: the input's, or uid)."}),
    memory: Flags.string({description: 'Sort memory for an unsorted input.', default: '1GiB'}),
    'tmp-dir': Flags.string({description: 'Folder for sorted runs (default: the OS temp folder).'}),
  }

  async run(): Promise<ConvertSubsetResult> {
    const {args, flags} = await this.parse(SubsetConvert)
    checkOutputPath(args.out, {flag: 'OUT', kind: 'file', expected: 'the subset file to write'})
    if (flags.format !== undefined && !SUBSET_FORMATS.includes(flags.format as SubsetFormat)) throw unknownChoice('subset format', flags.format, SUBSET_FORMATS)
    const progress = createProgressDisplay({label: 'convert', unit: 'uids', quiet: this.jsonEnabled()})
    const result = await convertSubset({
      input: args.input,
      out: args.out,
      format: flags.format as SubsetFormat | undefined,
      idColumn: flags['id-column'],
      memoryBytes: parseByteSize(flags.memory, '--memory'),
      tmpDir: flags['tmp-dir'],
      onProgress: progress.update,
    })
    progress.stop()
    if (!this.jsonEnabled()) {
      this.log(`${result.input} (${result.inputFormat}${result.inputSorted ? '' : ', unsorted'}) → ${result.path} (${result.format}): ${count(result.unique, 'uid')}, ${count(result.records, 'sample')}, ${count(result.bytes, 'byte')}`)
      this.log(`  fingerprint sha256:${result.fingerprint}`)
    }
    return result
  }
}
