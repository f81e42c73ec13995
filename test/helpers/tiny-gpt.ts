import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {repoRoot} from './cli.js'
import {runPython} from './python.js'

/** The PyTorch reference GPT (test/helpers/tiny_gpt.py). */
export const TINY_GPT_PY = join(repoRoot, 'test/helpers/tiny_gpt.py')

/**
 * Exports a small random-weight GPT in PyTorch to an LM model directory (model.json, model.onnx,
 * tokenizer.json — docs/contracts.md; with `withPast` also model_with_past.onnx, with its `positions` input
 * unless `positions` is false: the layout of models exported before it) in a new temp dir; the weights stay
 * beside it for the reference.
 */
export async function exportTinyGpt(options: {tokenizer?: string; seed?: number; layers?: number; dim?: number; seqLen?: number; withPast?: boolean; positions?: boolean} = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dcbench-tiny-gpt-'))
  const tokenizer = options.tokenizer ?? join(repoRoot, 'tracks/tokenizers/tiny-world.json')
  await runPython(TINY_GPT_PY, [
    'export', dir, '--tokenizer', tokenizer, '--seed', String(options.seed ?? 0), '--layers', String(options.layers ?? 2),
    '--dim', String(options.dim ?? 64), '--seq-len', String(options.seqLen ?? 128), ...(options.withPast ? ['--with-past', ...(options.positions === false ? [] : ['--positions'])] : []),
  ])
  return dir
}

/** Runs a reference command of tiny_gpt.py on a model directory with a JSON request. */
export async function torchReference<T>(command: 'score' | 'generate' | 'speed' | 'suite', dir: string, request: unknown, threads = 1): Promise<T> {
  return JSON.parse(await runPython(TINY_GPT_PY, [command, dir, '--threads', String(threads)], {input: JSON.stringify(request)})) as T
}
