import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {benchmarkFlag} from '../cli/flags.js'
import {getBenchmark} from '../benchmarks/registry.js'
import {embedPool, type EmbedOutcome} from '../embed/run.js'
import {DcbError} from '../errors.js'
import {assertDeviceAvailable} from '../eval/cuda-provider.js'
import {formatBytes} from '../ui/bytes.js'
import {createProgressDisplay} from '../ui/progress.js'
import {checkInputPath, checkOutputPath} from '../util/cli-path.js'

export default class Embed extends BenchCommand {
  static override summary = "Compute a pool's embeddings with an ONNX image or text tower, in the .npz layout the embedding filters read."
  static override description = `The tower is one ONNX graph: an image tower (input float32 [N, 3, S, S]: the pool's images through open_clip's eval transform at S, OpenAI mean/std) or a text tower (int64 [N, L] token ids, optionally attention_mask: DataComp captions or DCLM documents, tokenized by open_clip's tokenizer or --tokenizer). Output rows [N, D] are used as they are; token states [N, L, D] are pooled (--pooling). Rows are L2-normalised and stored as float16, one <stem>.npz per pool part (DataComp: per metadata parquet, in its row order; DCLM: per documents file, in document order) with the array --name, and embed.json recording pool, model and settings. Resumable: rerun the same command and finished parts are kept. Read them with bench filter --embeddings-dir DIR --embedding NAME (docs/embeddings.md).`
  static override examples = [
    '<%= config.bin %> embed --benchmark datacomp --pool pools/datacomp-tiny --model my-clip/image_encoder.onnx --name b32_img --out emb/',
    '<%= config.bin %> embed --benchmark dclm --pool pools/dclm-tiny --model e5-small.onnx --tokenizer e5-small/tokenizer.json --name text --out emb/ --json',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    pool: Flags.string({description: 'The pool folder.', required: true}),
    model: Flags.string({description: 'The ONNX tower (an image or a text encoder).', required: true}),
    out: Flags.string({description: 'Folder for <stem>.npz and embed.json (new, empty, or an earlier run of the same command to resume).', required: true}),
    name: Flags.string({description: 'The array name in each .npz (b32_img, l14_txt, text, …).', required: true}),
    tokenizer: Flags.string({description: "Text towers: a Hugging Face tokenizer.json (default: open_clip's CLIP tokenizer)."}),
    'max-tokens': Flags.integer({description: 'Text towers whose graph does not fix the length: tokens per text, longer ones truncated (default 512; 77 with the CLIP tokenizer).', min: 2}),
    pooling: Flags.string({description: 'Text towers returning token states [N, L, D]: mean over the tokens (default) or cls (the first token).', options: ['mean', 'cls'], default: 'mean'}),
    'batch-size': Flags.integer({description: 'Records per model call.', default: 32, min: 1}),
    device: Flags.string({description: 'Inference device: cpu, or cuda (onnxruntime CUDA execution provider).', options: ['cpu', 'cuda'], default: 'cpu'}),
  }

  async run(): Promise<EmbedOutcome> {
    const {flags} = await this.parse(Embed)
    checkInputPath(flags.pool, {flag: '--pool', kind: 'folder', expected: 'the pool folder'})
    checkInputPath(flags.model, {flag: '--model', kind: 'file', expected: 'an ONNX tower'})
    if (flags.tokenizer) checkInputPath(flags.tokenizer, {flag: '--tokenizer', kind: 'file', expected: 'a tokenizer.json'})
    checkOutputPath(flags.out, {flag: '--out', kind: 'folder'})
    if (!/^[A-Za-z0-9_]{1,64}$/.test(flags.name)) throw new DcbError('DCB_USAGE', `--name ${JSON.stringify(flags.name)}: an array name is 1–64 letters, digits or underscores (b32_img, text)`)
    assertDeviceAvailable(flags.device as 'cpu' | 'cuda')
    const benchmark = getBenchmark(flags.benchmark)
    const progress = createProgressDisplay({label: 'embed', unit: benchmark.nouns.records, quiet: this.jsonEnabled()})
    let result: EmbedOutcome
    try {
      result = await embedPool({
        benchmark: benchmark.id, pool: flags.pool, model: flags.model, out: flags.out, name: flags.name, tokenizer: flags.tokenizer, maxTokens: flags['max-tokens'],
        pooling: flags.pooling as 'mean' | 'cls', batchSize: flags['batch-size'], device: flags.device as 'cpu' | 'cuda',
        onPlan: (plan) => {
          if (this.jsonEnabled()) return
          const todo = plan.parts - plan.kept
          process.stderr.write(`embed: ${plan.input} tower over ${todo} of ${plan.parts} parts (their source files: ${formatBytes(plan.bytes)})${plan.kept ? `; ${plan.kept} finished earlier, kept` : ''}\n`)
        },
        onProgress: progress.update,
      })
    } finally {
      progress.stop()
    }
    if (!this.jsonEnabled()) {
      this.log(`${result.name}: ${result.rows} ${benchmark.nouns.records} in ${result.written} new parts (${result.kept} kept), ${result.dim ?? '?'}-d float16 → ${result.out} (${result.seconds.toFixed(1)} s)`)
      if (result.missing > 0) this.warn(`${result.missing} ${benchmark.nouns.records} had no input in the pool (lost downloads): their rows are zeros`)
    }
    return result
  }
}
