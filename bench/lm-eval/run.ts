// LM-eval throughput: dcbench's onnxruntime-node scorer against PyTorch on the same model and prompts.
//
//   npx tsx bench/lm-eval/run.ts [--threads 1] [--dim 128] [--layers 4] [--repeat 3]
//
// Target (issue 6, item 9): tokens/s ≥ 1× the PyTorch reference. Both sides, in the same run:
//   - the same GPT (test/helpers/tiny_gpt.py, random weights, default: the tiny recipe's shape —
//     dim 128, 4 layers, 4 heads, seq_len 128 — over the tiny-world tokenizer), exported to ONNX for dcbench;
//   - the same token sequences: every choice of the dclm-tiny suite's multiple-choice task (3-shot
//     prompts built by dcbench's llm-foundry prompt construction), sorted by length and batched;
//   - the same thread count (torch.set_num_threads = onnxruntime intra-op threads).
// dcbench's time includes batching, the float64 log-softmax per continuation token and the metric;
// PyTorch's is forward + log_softmax over the padded batches only (its floor, no metric).
import {mkdtempSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import '../../src/benchmarks/builtins.js'
import {readIclFile} from '../../src/eval/lm/icl-data.js'
import {loadLmModel} from '../../src/eval/lm/model.js'
import {prepareTask, type ScoredSequence} from '../../src/eval/lm/prompts.js'
import {scoreSequences} from '../../src/eval/lm/score.js'
import {loadLmSuite} from '../../src/eval/lm/suite.js'
import {ensureTinySuiteData} from '../../src/eval/lm/tiny-suite.js'
import {exportTinyGpt, torchReference} from '../../test/helpers/tiny-gpt.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const threads = arg('--threads', 1)
const repeat = arg('--repeat', 3)
const BATCH_ROWS = 16

const dir = await exportTinyGpt({seed: 0, dim: arg('--dim', 128), layers: arg('--layers', 4), seqLen: 128})
const suite = loadLmSuite('dclm-tiny')
const task = suite.tasks.find((t) => t.type === 'multiple_choice')!
const data = await ensureTinySuiteData(mkdtempSync(join(tmpdir(), 'dcbench-bench-')), suite.synthetic!.worldSeed)
const model = await loadLmModel(dir, {threads})
const prepared = prepareTask(readIclFile(join(data, task.dataset), task.type), task, {tokenizer: model.tokenizer, maxSeqLen: 128})
const sequences: ScoredSequence[] = prepared.examples.flatMap((e) => (e.type === 'multiple_choice' ? e.choices : []))
const tokens = sequences.reduce((n, s) => n + s.tokens.length, 0)
const longest = Math.max(...sequences.map((s) => s.tokens.length))

// dcbench: batches of at most BATCH_ROWS rows of the longest sequence (the same batches torch gets)
await scoreSequences(model, sequences.slice(0, 32), {maxBatchTokens: BATCH_ROWS * longest}) // warm-up
let ours = Number.POSITIVE_INFINITY
for (let r = 0; r < repeat; r++) {
  const t0 = performance.now()
  await scoreSequences(model, sequences, {maxBatchTokens: BATCH_ROWS * longest})
  ours = Math.min(ours, (performance.now() - t0) / 1000)
}
await model.release()

let theirs = Number.POSITIVE_INFINITY
for (let r = 0; r < repeat; r++) {
  const res = await torchReference<{tokens: number; seconds: number}>('speed', dir, {sequences: sequences.map((s) => s.tokens), batch: BATCH_ROWS}, threads)
  if (res.tokens !== tokens) throw new Error(`torch counted ${res.tokens} tokens, dcbench ${tokens}`)
  theirs = Math.min(theirs, res.seconds)
}

const oursRate = tokens / ours
const theirsRate = tokens / theirs
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; threads ${threads}; best of ${repeat}`)
console.log(`workload: ${sequences.length} sequences, ${tokens} tokens (dclm-tiny ${task.label}, ${task.numFewshot}-shot), model dim ${arg('--dim', 128)} × ${arg('--layers', 4)} layers, vocab ${model.meta.vocab_size}`)
console.log(`dcbench (onnxruntime-node): ${oursRate.toFixed(0)} tokens/s (${ours.toFixed(3)} s)`)
console.log(`PyTorch ${'reference'}:           ${theirsRate.toFixed(0)} tokens/s (${theirs.toFixed(3)} s)`)
console.log(`ratio dcbench / PyTorch: ${(oursRate / theirsRate).toFixed(2)}× (target ≥ 1×) ${oursRate >= theirsRate ? 'MET' : 'NOT MET'}`)
