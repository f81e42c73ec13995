import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {DcbError} from '../errors.js'
import {buildEntry, defaultSuites, hubToken, uploadBundle, writeBundle, type HubUploadResult, type WrittenBundle} from '../leaderboard/index.js'
import {createProgressDisplay} from '../ui/progress.js'

export default class Submit extends BenchCommand {
  static override summary = 'Build and sign a leaderboard entry from a finished run (or an exported external checkpoint) and its evaluation.'
  static override description =
    "Reads RUN/run.json (benchmark, scale, track, recipe hash, subset fingerprint and size, image digest, times, the sha256 of every model file) and the eval output, checks that RUN/model still hashes to run.json and that the eval was made on that model, recomputes the aggregates with the suite's own aggregator, records the hashes of run.json, the model files, the eval output and the pool index, signs the entry with your ed25519 key, and writes it. Boards show the entry under the name the organizers' keyring gives your key. Send the entry to the organizers; anyone can check it with 'bench verify'. A smoke run (bench train --smoke) is refused.\n\nWith --model and --subset instead of --run: a model folder 'bench export' wrote from a checkpoint trained outside dcbench; the entry has run: null and an external_model block (the checkpoint's sha256, the exporting image), binds the folder's files as its model, and boards show it as an external checkpoint.\n\nWith --bundle, also packs the signed entry with run.json, the model folder and the eval output into one tar (hash-checked file by file), which organizers add with 'bench leaderboard add --bundle' and can re-evaluate; with --hub, uploads the bundle and the entry to your Hugging Face model repo in one commit 'Upload artifacts (SCALE scale)' under SCALE_scale/, as DataComp's evaluate.py uploads submissions."
  static override examples = [
    '<%= config.bin %> submit --run runs/small --eval runs/small/eval/eval_results.jsonl --key ~/.dcbench/keys/dcbench-signing.key --out entry.json --method "CLIP score top 30%"',
    '<%= config.bin %> submit --model models/small --subset subset.npy --pool-index pool.uidx --scale small --eval models/small-eval/eval_results.jsonl --key my.key --out entry.json --method "CLIP score top 30%"',
    'HF_TOKEN=hf_… <%= config.bin %> submit --run runs/small --eval runs/small/eval_results.jsonl --key my.key --out entry.json --method "CLIP score top 30%" --bundle small.tar --hub me/datacomp-small',
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
    submitter: Flags.string({description: "Deprecated and ignored: boards show the name the organizers' keyring gives your key.", hidden: true}),
    method: Flags.string({description: 'Name of the data-selection method.', required: true}),
    description: Flags.string({description: 'What the method does.', default: ''}),
    link: Flags.string({description: 'http(s) link to a write-up or code.'}),
    contact: Flags.string({description: 'Public contact shown with the entry.'}),
    'pool-index': Flags.string({description: "The pool's uid index file (its sha256 binds the subset to the pool)."}),
    bundle: Flags.string({description: 'Also write a submission bundle (entry, run.json — none for --model —, model folder, eval output) to this tar.', helpValue: 'OUT.tar'}),
    hub: Flags.string({description: 'Upload the bundle and the entry to this Hugging Face model repo (namespace/name; needs --bundle).', helpValue: 'REPO', dependsOn: ['bundle']}),
    'hub-token': Flags.string({description: 'Hugging Face write token (default: $HF_TOKEN).'}),
    'hub-url': Flags.string({description: 'Hub endpoint (default: $HF_ENDPOINT or https://huggingface.co).'}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(Submit)
    if (flags.bundle !== undefined && !flags.bundle.endsWith('.tar')) throw new DcbError('DCB_USAGE', `--bundle ${flags.bundle}: a bundle is an uncompressed tar; name it NAME.tar`)
    if (flags.hub !== undefined) hubToken({repo: flags.hub, repoType: 'model', token: flags['hub-token']})
    const result = await buildEntry({
      run: flags.run,
      model: flags.model,
      subset: flags.subset,
      scale: flags.scale,
      track: flags.track,
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
    let bundle: WrittenBundle | undefined
    let hub: HubUploadResult | undefined
    if (flags.bundle !== undefined) {
      const display = createProgressDisplay({label: `bundling ${flags.bundle}`, unit: 'bytes', quiet: this.jsonEnabled()})
      bundle = await writeBundle({entryFile: result.out, run: flags.run, model: flags.model, evalFile: flags.eval, suites: defaultSuites, out: flags.bundle, onProgress: display.update})
      display.stop()
      if (!this.jsonEnabled()) this.log(`bundle ${bundle.out}: ${bundle.members} files, ${bundle.bytes} bytes`)
      if (flags.hub !== undefined) {
        hub = await uploadBundle({bundle: bundle.out, entryFile: result.out, scale: entry.scale, repo: flags.hub, token: flags['hub-token'], hubUrl: flags['hub-url']})
        if (!this.jsonEnabled()) this.log(`uploaded to ${hub.hubUrl}/${hub.repo}${hub.commit ? ` (${hub.commit.url})` : ''}`)
      }
    }
    return {out: result.out, entryId: result.entryId, entry, ...(bundle ? {bundle} : {}), ...(hub ? {hub} : {})}
  }
}
