import {copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'

import {execa} from 'execa'

import {repoRoot, runBench} from './cli.js'
import {sharedDir} from './shared.js'
import {readIclFile} from '../../src/eval/lm/icl-data.js'
import {prepareTask, type PreparedExample, type ScoredSequence} from '../../src/eval/lm/prompts.js'
import {loadLmSuite} from '../../src/eval/lm/suite.js'
import {loadTokenizer} from '../../src/tokenizers/index.js'

/**
 * The smoke LM's per-example comparison (issue 16): `bench eval` scores a sample of real ICL examples
 * of each scored task type with the exported ONNX model, and open_lm 9bb92ef's own model, built from
 * the run's upstream_args and loaded from its last checkpoint, scores the same token sequences in
 * PyTorch inside the smoke image (test/helpers/smoke_lm_reference.py). The sequences on the PyTorch
 * side come from dcbench's prompt builder (prepareTask), which test/integration/eval/lm/
 * prompts-real-data.test.ts checks string for string against llm-foundry's; this compares the model
 * and the decision rule, not the prompts.
 */

/**
 * The ICL tasks compared, the first `rows` examples of each that fit: multiple choice zero-shot (copa) and
 * 10-shot (arc_easy), schema (winograd), language modelling 10-shot (jeopardy). Generation tasks are not
 * scored by likelihood and not compared. Few-shot prompts are left-trimmed to the 16-token context.
 */
export const SMOKE_LM_TASKS = [
  {label: 'copa', rows: 100},
  {label: 'arc_easy', rows: 60},
  {label: 'winograd', rows: 100},
  {label: 'jeopardy', rows: 100},
] as const

/** The smoke model's context (src/benchmarks/dclm/smoke.ts). */
const SEQ_LEN = 16
/** Below this margin two choices (or two tokens) count as a near-tie and are not compared. */
export const NEAR_TIE = 1e-4

export interface TaskComparison {
  type: string
  examples: number
  /** Decisions compared: examples (multiple choice, schema) or continuation tokens (language modelling). */
  compared: number
  near_ties: number
  mismatches: string[]
}

/** The checkpoint the upstream trainer saved last (RUN/checkpoints/…/epoch_N.pt). */
export function lastCheckpoint(run: string): string {
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      if (entry.isDirectory()) walk(join(dir, entry.name))
      else if (/^epoch_\d+\.pt$/.test(entry.name)) found.push(join(dir, entry.name))
    }
  }
  walk(join(run, 'checkpoints'))
  const epoch = (f: string): number => Number(/epoch_(\d+)\.pt$/.exec(f)?.[1])
  if (found.length === 0) throw new Error(`no epoch_N.pt under ${run}/checkpoints`)
  return found.sort((a, b) => epoch(b) - epoch(a))[0] as string
}

export function sequencesOf(example: PreparedExample): ScoredSequence[] {
  if (example.type === 'language_modeling') return [example.sequence]
  if (example.type === 'generation_task_with_answers') return []
  return example.choices
}

/**
 * Cuts each task's file to its first `rows` examples whose every sequence fits the 16-token context:
 * llm-foundry keeps a sequence whose continuation alone is longer than the context whole, and the
 * smoke graph runs up to 16 tokens only. Contexts longer than that are left-trimmed, as llm-foundry does.
 */
function writeSample(dataDir: string, tokenizerFile: string): Map<string, PreparedExample[]> {
  const suite = loadLmSuite('dclm-53')
  const tokenizer = loadTokenizer(tokenizerFile)
  const prepared = new Map<string, PreparedExample[]>()
  for (const {label, rows} of SMOKE_LM_TASKS) {
    const task = suite.tasks.find((t) => t.label === label)
    if (!task) throw new Error(`${label} is not in dclm-53`)
    const target = join(dataDir, task.dataset)
    mkdirSync(dirname(target), {recursive: true})
    const fits = (line: string): boolean => {
      writeFileSync(target, `${line}\n`)
      try {
        const example = prepareTask(readIclFile(target, task.type), task, {tokenizer, maxSeqLen: SEQ_LEN, eosTokenId: 0}).examples[0] as PreparedExample
        return sequencesOf(example).every((s) => s.tokens.length <= SEQ_LEN)
      } catch (error) {
        // a continuation longer than the context: bench eval refuses it (DCB_ICL_DATA)
        if ((error as {code?: string}).code === 'DCB_ICL_DATA') return false
        throw error
      }
    }
    const lines = readFileSync(join(sharedDir(), 'data', 'icl', task.dataset), 'utf8').split('\n').filter((l) => l.trim() !== '')
    const kept = lines.slice(0, rows * 20).filter(fits).slice(0, rows)
    if (kept.length < rows) throw new Error(`${label}: only ${kept.length} of the first ${rows * 20} examples fit ${SEQ_LEN} tokens`)
    writeFileSync(target, `${kept.join('\n')}\n`)
    prepared.set(label, prepareTask(readIclFile(target, task.type), task, {tokenizer, maxSeqLen: SEQ_LEN, eosTokenId: 0, source: target}).examples)
  }
  return prepared
}

interface Reference {
  losses: number[]
  predictions: number[]
  margins: number[]
}

/** Runs the comparison for a finished DCLM smoke run; returns per task what was compared and any mismatch. */
export async function compareSmokeLm(options: {run: string; image: string; dir: string}): Promise<Record<string, TaskComparison>> {
  const {run, image, dir} = options
  const tokenizerFile = join(run, 'model', 'tokenizer.json')
  const prepared = writeSample(join(dir, 'icl'), tokenizerFile)

  const out = join(dir, 'eval')
  const labels = SMOKE_LM_TASKS.map((t) => t.label).join(',')
  const evaluated = await runBench(['eval', '--benchmark', 'dclm', '--scale', '400m-1x', '--model', join(run, 'model'), '--data', join(dir, 'icl'), '--tasks', labels, '--out', out, '--json'])
  if (evaluated.exitCode !== 0) throw new Error(`bench eval exited ${evaluated.exitCode}: ${evaluated.stderr}`)

  const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as {upstream_args: string[]}
  const sequences = [...prepared.values()].flat().flatMap(sequencesOf)
  const request = JSON.stringify({
    args: manifest.upstream_args,
    checkpoint: `/out/${relative(run, lastCheckpoint(run))}`,
    sequences: sequences.map((s) => ({tokens: s.tokens, cont_start: s.contStart})),
  })
  const script = join(dir, 'smoke_lm_reference.py')
  copyFileSync(join(repoRoot, 'test/helpers/smoke_lm_reference.py'), script)
  const torch = await execa('docker', ['run', '--rm', '-i', '--network', 'none', '-v', `${run}:/out:ro`, '-v', `${script}:/ref.py:ro`, '--entrypoint', 'python3', image, '/ref.py'], {input: request, reject: false, all: true, maxBuffer: 1 << 28})
  if (torch.exitCode !== 0) throw new Error(`the PyTorch reference failed:\n${torch.all}`)
  const reference = JSON.parse(torch.stdout) as Reference[]
  if (reference.length !== sequences.length) throw new Error(`PyTorch scored ${reference.length} sequences, expected ${sequences.length}`)

  let next = 0
  const report: Record<string, TaskComparison> = {}
  for (const [label, examples] of prepared) {
    const cache = JSON.parse(readFileSync(join(out, 'dclm-tasks', `${label}.json`), 'utf8')) as {results: {pick?: number; predictions?: number[]}[]}
    const counts: TaskComparison = {type: examples[0]?.type ?? '', examples: examples.length, compared: 0, near_ties: 0, mismatches: []}
    if (cache.results.length !== examples.length) counts.mismatches.push(`bench eval scored ${cache.results.length} examples, expected ${examples.length}`)
    examples.forEach((example, i) => {
      const ours = cache.results[i]
      const refs = sequencesOf(example).map(() => reference[next++] as Reference)
      if (example.type === 'language_modeling') {
        // greedy continuation, token by token where PyTorch's top two logits are more than the margin apart
        const ref = refs[0] as Reference
        ref.predictions.forEach((token, p) => {
          if ((ref.margins[p] as number) <= NEAR_TIE) counts.near_ties++
          else if (ours?.predictions?.[p] === token) counts.compared++
          else counts.mismatches.push(`example ${i} position ${p}: bench eval ${ours?.predictions?.[p]}, torch ${token}`)
        })
        return
      }
      // llm-foundry's multiple choice and schema: the choice of least mean continuation loss
      const means = refs.map((r) => r.losses.reduce((a, b) => a + b, 0) / r.losses.length)
      const pick = means.indexOf(Math.min(...means))
      const sorted = [...means].sort((a, b) => a - b)
      if ((sorted[1] as number) - (sorted[0] as number) <= NEAR_TIE) counts.near_ties++
      else if (ours?.pick === pick) counts.compared++
      else counts.mismatches.push(`example ${i}: bench eval picked ${ours?.pick}, torch ${pick} (mean losses ${means.map((m) => m.toFixed(6)).join(', ')})`)
    })
    report[label] = counts
  }
  return report
}
