import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {buildEntry, defaultSuites} from '../leaderboard/index.js'

export default class Submit extends BenchCommand {
  static override summary = 'Build and sign a leaderboard entry from a finished run and its evaluation.'
  static override description =
    "Reads RUN/run.json (benchmark, scale, track, recipe hash, subset fingerprint and size, image digest, times, the sha256 of every model file) and the eval output, checks that RUN/model still hashes to run.json and that the eval was made on that model, recomputes the aggregates with the suite's own aggregator, records the hashes of run.json, the model files, the eval output and the pool index, signs the entry with your ed25519 key, and writes it. Boards show the entry under the name the organizers' keyring gives your key. Send the entry to the organizers; anyone can check it with 'bench verify'."
  static override examples = [
    '<%= config.bin %> submit --run runs/small --eval runs/small/eval/eval_results.jsonl --key ~/.dcbench/keys/dcbench-signing.key --out entry.json --method "CLIP score top 30%"',
  ]
  static override flags = {
    run: Flags.string({description: "Run folder written by 'bench train'.", required: true}),
    eval: Flags.string({description: 'Eval output: DataComp eval_results.jsonl or DCLM eval JSON.', required: true}),
    key: Flags.string({description: "Your private key (NAME.key from 'bench keys generate').", required: true}),
    out: Flags.string({description: 'Entry file to write.', required: true}),
    submitter: Flags.string({description: "Deprecated and ignored: boards show the name the organizers' keyring gives your key.", hidden: true}),
    method: Flags.string({description: 'Name of the data-selection method.', required: true}),
    description: Flags.string({description: 'What the method does.', default: ''}),
    link: Flags.string({description: 'http(s) link to a write-up or code.'}),
    contact: Flags.string({description: 'Public contact shown with the entry.'}),
    'pool-index': Flags.string({description: "The pool's uid index file (its sha256 binds the subset to the pool)."}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(Submit)
    const result = await buildEntry({
      run: flags.run,
      evalFile: flags.eval,
      keyFile: flags.key,
      out: flags.out,
      contact: flags.contact,
      method: {name: flags.method, description: flags.description, ...(flags.link ? {link: flags.link} : {})},
      poolIndex: flags['pool-index'],
      suites: defaultSuites,
    })
    const {entry} = result
    if (flags.submitter !== undefined) this.warn("--submitter is ignored: boards show the name the organizers' keyring gives your key")
    const headline = defaultSuites(entry.eval.suite)?.headline
    if (!this.jsonEnabled()) {
      this.log(`signed entry ${result.entryId} → ${result.out}`)
      this.log(`  ${entry.benchmark} ${entry.scale} ${entry.track} · ${entry.eval.suite} · ${headline ? `${headline} ${entry.eval.aggregates[headline]}` : ''}`)
    }
    return {out: result.out, entryId: result.entryId, entry}
  }
}
