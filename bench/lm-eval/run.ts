// LM-eval throughput: dcbench's onnxruntime-node scorer against PyTorch on the same model and prompts.
//
//   npx tsx bench/lm-eval/run.ts [--threads 1,2] [--dim 128] [--layers 4] [--repeat 3]
//
// Targets (issue 24): ≥ 2.5× the PyTorch reference on the multiple-choice task, ≥ 1.5× over the whole
// dclm-tiny suite, with identical predictions. Both sides, in the same run:
//   - the same GPT (test/helpers/tiny_gpt.py, random weights, default: the tiny recipe's shape —
//     dim 128, 4 layers, 4 heads, seq_len 128 — over the tiny-world tokenizer), exported to ONNX with
//     its with-past graph for dcbench;
//   - the same prompts: the dclm-tiny suite's tasks (prompts built by dcbench's llm-foundry prompt
//     construction);
//   - the same thread count (torch.set_num_threads = onnxruntime intra-op threads), each in turn.
// dcbench: scorePreparedTask exactly as `bench eval` runs it (default batching, shared prefixes,
// float64 log-softmax per continuation token, metrics), with the with-past graph and its `positions`
// input (the vocabulary head only at scored positions), with the same graph without `positions` (as
// models exported before it: "gain of positions" is what the input saves, in CPU seconds), and
// with the plain graph only (the reference path). PyTorch: llm-foundry's way — every (context,
// continuation) sequence from scratch, forward + log_softmax over length-sorted batches of 16 rows
// (its floor: no metric) — and generation with a KV cache as HF generate does, each row stopped after
// as many steps as dcbench's; OMP_WAIT_POLICY=PASSIVE.
import {mkdtempSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import '../../src/benchmarks/builtins.js'
import {readIclFile} from '../../src/eval/lm/icl-data.js'
import {loadLmModel, type LmModel} from '../../src/eval/lm/model.js'
import {prepareTask, type PreparedTask} from '../../src/eval/lm/prompts.js'
import {scorePreparedTask, type ExampleResult} from '../../src/eval/lm/score.js'
import {loadLmSuite, type LmTask} from '../../src/eval/lm/suite.js'
import {ensureTinySuiteData} from '../../src/eval/lm/tiny-suite.js'
import {exportTinyGpt, torchReference} from '../../test/helpers/tiny-gpt.js'

const argv = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1]! : fallback
}
const threadCounts = argv('--threads', `1,${cpus().length}`).split(',').map(Number)
const repeat = Number(argv('--repeat', '3'))
const dim = Number(argv('--dim', '128'))
const layers = Number(argv('--layers', '4'))
const BATCH_ROWS = 16
// torch's OpenMP threads wait passively: spinning ones are many times slower on a shared CPU (as bench/clip-eval)
process.env.OMP_WAIT_POLICY = 'PASSIVE'

const dir = await exportTinyGpt({seed: 0, dim, layers, seqLen: 128, withPast: true})
// the same weights with the with-past graph as exported before its `positions` input: the vocabulary
// head at every position (the saving of `positions`, measured in the same run)
const noPositionsDir = await exportTinyGpt({seed: 0, dim, layers, seqLen: 128, withPast: true, positions: false})
const suite = loadLmSuite('dclm-tiny')
const data = await ensureTinySuiteData(mkdtempSync(join(tmpdir(), 'dcbench-bench-')), suite.synthetic!.worldSeed)
const probe = await loadLmModel(dir, {threads: 1})
const tasks: {task: LmTask; prepared: PreparedTask}[] = suite.tasks.map((task) => ({
  task,
  prepared: prepareTask(readIclFile(join(data, task.dataset), task.type), task, {tokenizer: probe.tokenizer, maxSeqLen: 128, eosTokenId: probe.meta.eot_token_id}),
}))
const vocab = probe.meta.vocab_size
// per block: qkv 3d², proj d², MLP 8d² (+ biases, norms); token and position embeddings, untied head
const params = layers * (12 * dim * dim + 13 * dim) + 2 * vocab * dim + 128 * dim + 2 * dim
await probe.release()

async function scoreAll(model: LmModel, which: typeof tasks): Promise<ExampleResult[][]> {
  const out: ExampleResult[][] = []
  for (const {task, prepared} of which) {
    out.push((await scorePreparedTask(model, prepared, {stoppingCriteria: task.earlyStoppingCriteria, cotDelimiter: task.cotDelimiter, doNormalization: task.doNormalization})).results)
  }
  return out
}

/** Wall and CPU seconds (every thread of this process: onnxruntime's too) of one run. */
async function time(run: () => Promise<unknown>): Promise<{seconds: number; cpuSeconds: number}> {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  await run()
  const c = process.cpuUsage(c0)
  return {seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6}
}

/**
 * Best against best (each side's fastest repeat: the least disturbed by other work on a shared machine)
 * and, in brackets, the range of the ratios within each repeat — e.g. "2.10× (1.80–2.40)".
 */
function ratioCell(torch: number[], ours: number[]): string {
  const ratios = torch.map((t, i) => t / ours[i]!).sort((a, b) => a - b)
  return `**${(Math.min(...torch) / Math.min(...ours)).toFixed(2)}×** (${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)})`
}

/** The torch request for some tasks: every scored sequence, and the generation contexts with dcbench's step counts. */
function torchRequest(which: typeof tasks, results: ExampleResult[][], tokenCount: (text: string) => number): unknown {
  const sequences: number[][] = []
  const generate: {context: number[]; steps: number}[] = []
  which.forEach(({prepared}, t) => {
    prepared.examples.forEach((e, i) => {
      if (e.type === 'language_modeling') sequences.push(e.sequence.tokens)
      else if (e.type === 'multiple_choice' || e.type === 'schema') sequences.push(...e.choices.map((c) => c.tokens))
      else if (e.type === 'generation_task_with_answers') {
        const r = results[t]![i]!
        const produced = 'output' in r ? tokenCount(r.output) : 0
        generate.push({context: e.context, steps: Math.min(prepared.maxNewTokens ?? 1, produced + 1)})
      }
    })
  })
  return {sequences, batch: BATCH_ROWS, generate}
}

const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ')
const mc = tasks.filter((t) => t.task.type === 'multiple_choice')
const rows: string[] = []
for (const threads of threadCounts) {
  const past = await loadLmModel(dir, {threads})
  const noPositions = await loadLmModel(noPositionsDir, {threads})
  const plain = await loadLmModel(dir, {threads, withPast: false})
  const tokenCount = (text: string): number => past.tokenizer.encode(text, {addSpecialTokens: false}).length
  const ref = await scoreAll(plain, tasks)
  const got = await scoreAll(past, tasks)
  const noPositionsGot = await scoreAll(noPositions, tasks)
  const picks = (runs: ExampleResult[][]): string => JSON.stringify(runs.map((t) => t.map((r) => ('pick' in r ? r.pick : 'output' in r ? r.output : r.predictions))))
  const same = picks(got) === picks(ref) && picks(noPositionsGot) === picks(ref)
  for (const [name, which] of [['multiple choice', mc], ['whole tiny suite', tasks]] as const) {
    await scoreAll(past, which.slice(0, 1)) // warm-up
    const results = which === mc ? [got[tasks.indexOf(mc[0]!)]!] : got
    const request = torchRequest(which, results, tokenCount)
    // interleaved: on a shared machine the load moves between runs, so each repeat times all three
    // sides back to back and its ratios are taken within the repeat (wall and CPU seconds)
    const wall = {past: [] as number[], noPositions: [] as number[], plain: [] as number[], torch: [] as number[]}
    const cpu = {past: [] as number[], noPositions: [] as number[], plain: [] as number[], torch: [] as number[]}
    for (let r = 0; r < repeat; r++) {
      const a = await time(() => scoreAll(past, which))
      const n = await time(() => scoreAll(noPositions, which))
      const b = await time(() => scoreAll(plain, which))
      const c = await torchReference<{seconds: number; cpu_seconds: number}>('suite', dir, request, threads)
      wall.past.push(a.seconds)
      wall.noPositions.push(n.seconds)
      wall.plain.push(b.seconds)
      wall.torch.push(c.seconds)
      cpu.past.push(a.cpuSeconds)
      cpu.noPositions.push(n.cpuSeconds)
      cpu.plain.push(b.cpuSeconds)
      cpu.torch.push(c.cpu_seconds)
    }
    const examples = which.reduce((n, t) => n + t.prepared.examples.length, 0)
    const best = (xs: number[]) => (examples / Math.min(...xs)).toFixed(0)
    rows.push(`| ${name} | ${threads} | ${examples} | ${best(wall.past)} | ${best(wall.plain)} | ${best(wall.torch)} | ${ratioCell(wall.torch, wall.past)} | ${ratioCell(cpu.torch, cpu.past)} | ${ratioCell(wall.torch, wall.plain)} | ${ratioCell(cpu.noPositions, cpu.past)} | ${same ? 'identical' : 'DIFFERENT'} |`)
  }
  await past.release()
  await noPositions.release()
  await plain.release()
}

console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')} (before: ${loadBefore}); ${repeat} interleaved repeats: throughput and ratios from each side's best repeat (in brackets: the range of the ratios within a repeat)`)
console.log(`model: GPT dim ${dim} × ${layers} layers, 4 heads, seq_len 128, vocab ${vocab} (tiny-world), ≈ ${(params / 1e6).toFixed(2)} M parameters; tasks: ${tasks.map((t) => `${t.task.label} (${t.task.type}, ${t.task.numFewshot}-shot, ${t.prepared.examples.length})`).join(', ')}`)
console.log('')
console.log('| workload | threads | examples | dcbench shared-prefix (ex/s) | dcbench plain (ex/s) | PyTorch (ex/s) | shared-prefix / PyTorch (wall) | shared-prefix / PyTorch (CPU s) | plain / PyTorch (wall) | gain of positions, CPU s (without ÷ with) | predictions (shared-prefix vs plain) |')
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|')
for (const row of rows) console.log(row)
