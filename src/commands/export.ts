import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {benchmarkFlag, scaleFlag} from '../cli/flags.js'
import {DcbError} from '../errors.js'
import {exportCheckpoint, type ExportResult} from '../runner/export/index.js'

export default class Export extends BenchCommand {
  static override summary = "Export an upstream checkpoint (open_clip 2.16.1, open_lm) to dcbench's model folder, for bench eval."
  static override description =
    "Runs the official image's exporter (the CPU smoke image by default, built offline when missing) on a checkpoint — from a dcbench run or trained elsewhere with DataComp's train.py or DCLM's training (DDP 'module.' prefixes are stripped) — and writes ONNX graphs with pure-torch attention and FFN, the tokenizer and model.json (marked provenance.source: external). An LM is traced at its full context, so every length up to seq_len works; a CLIP tower over --external-data-bytes is written with ONNX external data, and an LM's two graphs whose weights together are over it share one weights.bin holding each weight once. Every graph then runs in onnxruntime on the exporter's fixed inputs: the max abs difference from torch is recorded in model.json and must be at most --tolerance. Details: docs/official.md."
  static override examples = [
    '<%= config.bin %> export --benchmark datacomp --scale small --checkpoint logs/small_scale/checkpoints/epoch_5.pt --arch ViT-B-32 --out models/small',
    '<%= config.bin %> export --benchmark dclm --scale 400m-1x --checkpoint exp/checkpoints/epoch_5.pt --arch training/open_lm_configs/d=1024_l=24_h=8.json --tokenizer gpt-neox-20b/tokenizer.json --out models/400m --json',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({description: "The official scale the checkpoint was trained at: its preprocessing (DataComp) or norm, qk-norm and FFN (DCLM) apply where --arch does not say."}),
    checkpoint: Flags.string({description: 'The upstream checkpoint file (epoch_N.pt, epoch_latest.pt).', required: true}),
    arch: Flags.string({description: 'The architecture: an open_clip model name (ViT-B-32) or a model-config JSON (open_clip or open_lm format).', required: true}),
    out: Flags.string({description: 'The model folder to write (new or empty).', required: true}),
    tokenizer: Flags.string({description: 'DCLM: the tokenizer.json the training data was tokenized with (EleutherAI/gpt-neox-20b for the official scales).'}),
    'eot-token-id': Flags.integer({description: "DCLM: the end-of-text id (default the scale's, else 0).", min: 0}),
    'pad-token-id': Flags.integer({description: 'DCLM: the id the training data padded with (tokshuf: vocab size + 2), if any.', min: 0}),
    gpu: Flags.boolean({description: "Export in the official GPU image instead of the CPU smoke image (it must be built: containers/official/build.sh IMAGE gpu).", default: false}),
    image: Flags.string({description: 'An image tag to export in instead of the official one.'}),
    vendor: Flags.string({description: "A folder of containers/official/sources.lock's archives, for building a missing smoke image offline (default $DCBENCH_VENDOR)."}),
    threads: Flags.integer({description: 'CPU threads for the exporter (default: every core).', min: 1}),
    'external-data-bytes': Flags.integer({description: 'A CLIP tower larger than this is written with ONNX external data beside it; an LM whose two graphs together are larger has both read one shared weights.bin, each weight once (default 2000000000; protobuf files stop at 2 GiB).', min: 1}),
    tolerance: Flags.string({description: 'Largest |onnxruntime − torch| accepted on the fixed inputs (default 1e-4).'}),
  }

  async run(): Promise<ExportResult> {
    const {flags} = await this.parse(Export)
    const tolerance = flags.tolerance === undefined ? undefined : Number(flags.tolerance)
    if (tolerance !== undefined && !(tolerance > 0)) throw new DcbError('DCB_USAGE', `--tolerance ${flags.tolerance}: expected a positive number such as 1e-4`)
    const result = await exportCheckpoint({
      benchmark: flags.benchmark, scale: flags.scale, checkpoint: flags.checkpoint, arch: flags.arch, out: flags.out, tokenizer: flags.tokenizer,
      eotTokenId: flags['eot-token-id'], padTokenId: flags['pad-token-id'], variant: flags.gpu ? 'gpu' : 'smoke', image: flags.image, vendor: flags.vendor,
      threads: flags.threads, externalDataBytes: flags['external-data-bytes'], tolerance,
      onProgress: (message) => {
        if (!this.jsonEnabled()) process.stderr.write(`export: ${message}\n`)
      },
    })
    if (!this.jsonEnabled()) {
      const diffs = Object.entries(result.max_abs_diff).map(([graph, diff]) => `${graph} ${diff.toExponential(2)}`).join(', ')
      this.log(`${result.benchmark}${result.scale ? ` ${result.scale}` : ''} ${result.kind} model → ${result.out} (${result.files.length} files); onnxruntime vs torch max abs diff: ${diffs} (tolerance ${result.tolerance})`)
    }
    return result
  }
}
