import {resolve} from 'node:path'

import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag} from '../../cli/flags.js'
import {checkContamination, DEFAULT_CONTAMINATION_SETTINGS, WHOLE_POOL} from '../../contamination/check.js'
import type {ContaminationReport} from '../../contamination/report.js'
import {ExitCode} from '../../errors.js'
import {renderContaminationReport} from '../../ui/contamination-report.js'
import {createProgressDisplay} from '../../ui/progress.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class SubsetContamination extends BenchCommand {
  static override summary = 'Find eval-suite items (DCLM examples, DataComp images and captions) in a subset, a whole pool, or resharded training data.'
  static override description =
    "dclm: flags every document holding an n-gram (default 13 words, after lower-casing, NFKC and dropping punctuation) of an eval example's text — the prompt with its gold answer, without the task's templates and delimiters; examples shorter than n words are matched whole (from --min-words on), and n-grams that more than a small fraction of a task's examples share (--boilerplate) are dropped as template text and listed.\n\n" +
    "datacomp: flags every sample whose image has the pixels of an eval image (sha256 of the decoded pixels), or is a near duplicate (64-bit perceptual hash within --hamming of a crop of a detailed eval image: JPEG re-encoding, resizing 0.5–2× and crops of up to 10 % per side are found), and every caption holding an n-gram of a retrieval task's captions.\n\n" +
    "Eval data is read from the folder `bench eval --data` reads; the eval side is indexed once and cached (--cache-dir). The report (--out) is JSON, format dcbench.contamination/1 (docs/contracts.md): per task the items found, their fraction and the records flagged, and every finding with its record id, task, item index and the matched text. Exit 0 when nothing is found, 1 when something is, 2 when the input is unusable."
  static override examples = [
    '<%= config.bin %> subset contamination subset.npy --benchmark dclm --pool pool --data ~/llm-foundry/scripts/eval/local_data --out contamination.json',
    '<%= config.bin %> subset contamination all --benchmark dclm --pool pool --data local_data --tasks arc_easy,boolq',
    '<%= config.bin %> subset contamination picks.parquet --benchmark datacomp --pool pool --data ~/dcbench-eval --suite tiny-clip',
    '<%= config.bin %> subset contamination --benchmark datacomp --train-data shards --data ~/dcbench-eval --json',
  ]
  static override args = {
    subset: Args.string({description: `The subset: a .npy, raw, .parquet or .csv file of pool ids, or '${WHOLE_POOL}' for every record of the pool. Not needed with --train-data.`}),
  }
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    pool: Flags.string({description: 'The pool folder the subset selects from.'}),
    'train-data': Flags.string({description: 'Check a training-data folder written by `bench reshard` instead (bring-your-own-data tracks).', exclusive: ['pool']}),
    data: Flags.string({description: 'Folder of eval data, as for `bench eval --data`. Default: $DCBENCH_DATA or ~/.cache/dcbench/eval.'}),
    suite: Flags.string({description: "Eval suite (default: the benchmark's official one: datacomp-38, dclm-53; tiny-clip and dclm-tiny are generated in --data)."}),
    tasks: Flags.string({description: 'Comma-separated task keys to check (default: the whole suite).'}),
    'allow-missing': Flags.boolean({description: 'Skip tasks whose data is not in --data (listed in the report) instead of failing.'}),
    ngram: Flags.integer({description: 'Words per n-gram (text).', default: DEFAULT_CONTAMINATION_SETTINGS.ngram}),
    'min-words': Flags.integer({description: 'Examples (and captions) with fewer words are not checked (text).', default: DEFAULT_CONTAMINATION_SETTINGS.minWords}),
    boilerplate: Flags.string({description: "An n-gram in more than this fraction of a task's examples (and more than 3) is template text, dropped (text).", default: String(DEFAULT_CONTAMINATION_SETTINGS.boilerplate)}),
    hamming: Flags.integer({description: 'Largest perceptual-hash distance of a near-duplicate image (images).', default: DEFAULT_CONTAMINATION_SETTINGS.hamming}),
    out: Flags.string({description: 'Write the full report (every finding) to this JSON file.'}),
    'cache-dir': Flags.string({description: 'Where eval indexes are cached. Default: $DCBENCH_CACHE/contamination or ~/.cache/dcbench/contamination.'}),
    'no-cache': Flags.boolean({description: 'Build the eval index without reading or writing the cache.'}),
    'max-findings': Flags.integer({description: 'Findings listed in the --json document (the --out file has all).', default: 100, min: 0}),
  }

  async run(): Promise<ContaminationReport & {out?: string}> {
    const {args, flags} = await this.parse(SubsetContamination)
    if (flags.out !== undefined) checkOutputPath(flags.out, {flag: '--out', kind: 'file', expected: 'the report file to write'})
    const quiet = this.jsonEnabled()
    let evalProgress: ReturnType<typeof createProgressDisplay> | undefined = createProgressDisplay({label: 'eval index', unit: 'items', quiet})
    const progress = createProgressDisplay({label: 'contamination', unit: 'records', quiet})
    const result = await checkContamination({
      benchmark: flags.benchmark,
      subset: args.subset,
      pool: flags.pool,
      trainData: flags['train-data'],
      dataDir: flags.data === undefined ? undefined : resolve(flags.data),
      suite: flags.suite,
      tasks: flags.tasks?.split(',').map((t) => t.trim()).filter(Boolean),
      allowMissing: flags['allow-missing'],
      settings: {ngram: flags.ngram, minWords: flags['min-words'], boilerplate: Number(flags.boilerplate), hamming: flags.hamming},
      out: flags.out,
      cacheDir: flags['no-cache'] ? false : flags['cache-dir'],
      maxFindings: flags['max-findings'],
      onProgress: (event) => {
        if (event.kind === 'eval') {
          evalProgress?.update({done: event.done, total: event.total, detail: event.detail})
          return
        }
        evalProgress?.stop()
        evalProgress = undefined
        if (event.kind === 'note') process.stderr.write(quiet ? '' : `${event.message}\n`)
        else progress.update({done: event.done, total: event.total, detail: `${event.flagged} flagged`})
      },
    })
    evalProgress?.stop()
    progress.stop()
    if (!this.jsonEnabled()) this.log(renderContaminationReport(result.report, result.out))
    if (!result.report.clean) process.exitCode = ExitCode.CheckFailed
    return {...result.report, ...(result.out ? {out: result.out} : {})}
  }
}
