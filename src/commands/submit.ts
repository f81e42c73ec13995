import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {buildEntry, defaultSuites} from '../leaderboard/index.js'

export default class Submit extends BenchCommand {
  static override summary = 'Build and sign a leaderboard entry from a finished run and its evaluation.'
  static override description =
    "Reads RUN/run.json (benchmark, scale, track, recipe hash, subset fingerprint and size, image digest, times) — or, with --model and --subset, a model exported from a checkpoint trained elsewhere (entry format 2, shown as external on the board) — and the eval output, recomputes the aggregates with the suite's own aggregator, records the hashes of run.json, the eval output and the pool index, signs the entry with your ed25519 key, and writes it. Send the entry to the organizers; anyone can check it with 'bench verify'."
  static override examples = [
    '<%= config.bin %> submit --model models/small --subset subset.npy --pool-index pool.uidx --scale small --eval models/small/eval/eval_results.jsonl --key ~/.dcbench/keys/dcbench-signing.key --out entry.json --submitter "Team A" --method "CLIP score top 30%"',
    '<%= config.bin %> submit --run runs/small --eval runs/small/eval/eval_results.jsonl --key ~/.dcbench/keys/dcbench-signing.key --out entry.json --submitter "Team A" --method "CLIP score top 30%"',
  ]
  static override flags = {
    run: Flags.string({description: "Run folder written by 'bench train' (a smoke run is refused)."}),
    model: Flags.string({description: "Instead of --run: a model folder 'bench export' wrote from a checkpoint trained outside dcbench; the entry is marked external."}),
    subset: Flags.string({description: 'With --model: the subset file the checkpoint was trained on.'}),
    scale: Flags.string({description: "With --model: the scale (default: the exported model.json's)."}),
    track: Flags.string({description: 'With --model: the track (default filtering).'}),
    eval: Flags.string({description: 'Eval output: DataComp eval_results.jsonl or DCLM eval JSON.', required: true}),
    key: Flags.string({description: "Your private key (NAME.key from 'bench keys generate').", required: true}),
    out: Flags.string({description: 'Entry file to write.', required: true}),
    submitter: Flags.string({description: 'Person or team name shown on the leaderboard.', required: true}),
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
      model: flags.model,
      subset: flags.subset,
      scale: flags.scale,
      track: flags.track,
      evalFile: flags.eval,
      keyFile: flags.key,
      out: flags.out,
      submitter: {name: flags.submitter, ...(flags.contact ? {contact: flags.contact} : {})},
      method: {name: flags.method, description: flags.description, ...(flags.link ? {link: flags.link} : {})},
      poolIndex: flags['pool-index'],
      suites: defaultSuites,
    })
    const {entry} = result
    const headline = defaultSuites(entry.eval.suite)?.headline
    if (!this.jsonEnabled()) {
      this.log(`signed entry ${result.entryId} → ${result.out}`)
      this.log(`  ${entry.benchmark} ${entry.scale} ${entry.track} · ${entry.eval.suite} · ${headline ? `${headline} ${entry.eval.aggregates[headline]}` : ''}`)
    }
    return {out: result.out, entryId: result.entryId, entry}
  }
}
