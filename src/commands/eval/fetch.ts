import {resolve} from 'node:path'
import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag, scaleFlag} from '../../cli/flags.js'
import {getBenchmark} from '../../benchmarks/registry.js'
import {DcbError} from '../../errors.js'
import {getRecipe} from '../../tracks/registry.js'
import {downloadInteraction, hubOfflineFromEnv} from '../../ui/download-interaction.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class EvalFetch extends BenchCommand {
  static override summary = "Download a benchmark's eval datasets into the data folder (or check it with --offline)."
  static override description =
    "Before downloading it prints what it will fetch, per task and in total; more than 10 GB needs --yes (or a yes at the prompt on a terminal).\n\n" +
    "datacomp: downloads the scale's suite (default: the 38-task DataComp suite) from the Hugging Face hub into DATA in the Hugging Face cache layout (datasets--<owner>--<name>/snapshots/<commit>/…), checks every file's size (and the sha256 of LFS files) against the hub and every task's sample count against the task table. Flickr, MSCOCO and WinoGAViL come from the nlphuji repos' CSV and image zip; WinoGAViL is gated: it needs $HF_TOKEN of an account that accepted its terms on the hub. An interrupted download resumes where it stopped. At --scale tiny the synthetic suite is generated instead. The hub is $HF_ENDPOINT (default https://huggingface.co); $HF_TOKEN is sent when set.\n\n" +
    "dclm: downloads the 53 tasks' files of llm-foundry's scripts/eval/local_data at the commit dcbench records (evaluators/dclm/local_data.yaml) from GitHub into DATA in the same layout, resuming, each checked against its recorded size, sha256 and git blob id. GPQA is not downloadable: DCLM ships it in a password-protected zip; the table says how to get it.\n\n" +
    '--offline (or HF_HUB_OFFLINE=1) touches no network and names what is missing (exit 1).'
  static override examples = [
    '<%= config.bin %> eval fetch --benchmark datacomp --data ~/dcbench-eval',
    '<%= config.bin %> eval fetch --benchmark datacomp --scale medium --yes',
    '<%= config.bin %> eval fetch --benchmark datacomp --tasks cifar10,vtab/pets',
    'HF_TOKEN=hf_… <%= config.bin %> eval fetch --benchmark datacomp --tasks misc/winogavil',
    '<%= config.bin %> eval fetch --benchmark dclm --data ~/dcbench-eval/local_data',
    '<%= config.bin %> eval fetch --benchmark datacomp --offline --json',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({description: 'Scale whose suite to fetch (default: the 38-task suite of the official scales).'}),
    data: Flags.string({description: 'Data folder. Default: $DCBENCH_DATA or ~/.cache/dcbench/eval.'}),
    tasks: Flags.string({description: 'Comma-separated task keys (default: the whole suite).'}),
    offline: Flags.boolean({description: 'Use only the data folder: download nothing, name what is missing. Default: on when HF_HUB_OFFLINE=1.'}),
    revision: Flags.string({description: 'Hub revision (branch, tag or commit) of every dataset.', default: 'main'}),
    source: Flags.string({description: "dclm: base URL of a server with GitHub's raw file layout to fetch llm-foundry's files from (default https://raw.githubusercontent.com)."}),
    yes: Flags.boolean({char: 'y', description: 'Download whatever the size (without it, more than 10 GB is refused unless confirmed at a terminal prompt).'}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(EvalFetch)
    if (flags.data !== undefined) checkOutputPath(flags.data, {flag: '--data', kind: 'folder'})
    const benchmark = getBenchmark(flags.benchmark)
    if (!benchmark.eval.fetch) throw new DcbError('DCB_NOT_AVAILABLE', `bench eval fetch --benchmark ${benchmark.id} is not available in this build`)
    const quiet = this.jsonEnabled()
    const offline = flags.offline || hubOfflineFromEnv()
    const ui = downloadInteraction({yes: flags.yes, quiet})
    const outcome = await benchmark.eval.fetch({
      scale: flags.scale === undefined ? undefined : getRecipe({benchmark: benchmark.id, scale: flags.scale}),
      tasks: flags.tasks?.split(',').map((t) => t.trim()).filter(Boolean),
      dataDir: flags.data === undefined ? undefined : resolve(flags.data),
      offline,
      hubUrl: process.env.HF_ENDPOINT || undefined,
      accessToken: process.env.HF_TOKEN || undefined,
      revision: flags.revision,
      sourceUrl: flags.source,
      confirm: ui.confirm,
      onProgress: ui.onProgress,
    })
    ui.stop()
    if (!quiet) this.log(outcome.text)
    if (outcome.failure && !quiet) throw outcome.failure
    if (!outcome.failure) return {benchmark: benchmark.id, ...outcome.json}
    // --json: one document with the per-task table and the error inside it, not the error alone
    const {code, message, exitCode, suggestions} = outcome.failure
    process.exitCode = exitCode
    return {benchmark: benchmark.id, ...outcome.json, error: {code, message, exitCode, suggestions}}
  }
}
