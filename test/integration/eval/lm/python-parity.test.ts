import {join} from 'node:path'

import {execa} from 'execa'
import {beforeAll, describe, expect, it} from 'vitest'

import {seriesMean} from '../../../../src/eval/dclm/pandas-mean.js'
import {fewshotSampleIndices} from '../../../../src/eval/lm/fewshot.js'
import {PythonIntSet} from '../../../../src/eval/lm/python-int-set.js'
import {PythonRandom} from '../../../../src/eval/lm/python-random.js'
import {findHostPython} from '../../../../src/runner/host-python.js'
import {repoRoot} from '../../../helpers/cli.js'

// The reference is the host's own CPython (Debian python3 with numpy, installed by .ci/run): its
// `random`, `set` and numpy are what DCLM's few-shot sampling and aggregation ran on.
let python: string
beforeAll(async () => {
  const host = await findHostPython()
  if (!host?.numpy) throw new Error('python3 with numpy is required (bash .ci/run installs python3-numpy)')
  python = host.path
})

async function runPython<T>(code: string, input: unknown): Promise<T> {
  const {stdout} = await execa(python, ['-c', code], {input: JSON.stringify(input)})
  return JSON.parse(stdout) as T
}

// llm-foundry's get_fewshot_sample_idxs as test/helpers/llm_foundry_prompts.py restates it, with the real `random` and `set`.
const FEWSHOT_PY = `
import json, random, sys
sys.path.insert(0, ${JSON.stringify(join(repoRoot, 'test/helpers'))})
from llm_foundry_prompts import fewshot_idxs as idxs
out = []
for case in json.load(sys.stdin):
    rng = random.Random(case['seed'])
    out.append([list(idxs(case['n'], case['k'], i, rng)) for i in range(case['examples'])])
print(json.dumps(out))
`

describe('few-shot sampling against CPython', () => {
  it('draws the same indices in the same order, example after example', async () => {
    const cases = [
      {seed: 1234, n: 100, k: 10, examples: 100},
      {seed: 1234, n: 2376, k: 10, examples: 300},
      {seed: 1, n: 30, k: 10, examples: 30},
      {seed: 7, n: 5, k: 3, examples: 5},
      {seed: 1234, n: 2, k: 10, examples: 2},
      {seed: 99, n: 86, k: 10, examples: 86},
      {seed: 3, n: 85, k: 10, examples: 85},
      {seed: 5, n: 38160, k: 5, examples: 100},
      {seed: 2 ** 40 + 5, n: 300, k: 10, examples: 300},
    ]
    const expected = await runPython<number[][][]>(FEWSHOT_PY, cases)
    const got = cases.map((c) => {
      const rng = new PythonRandom(c.seed)
      return Array.from({length: c.examples}, (_, i) => fewshotSampleIndices(c.n, c.k, i, rng))
    })
    expect(got).toEqual(expected)
    // The replacement path (the example drew itself) is exercised by these cases.
    const replaced = cases.some((c, ci) => expected[ci]!.some((list, i) => list.length === Math.min(c.n - 1, c.k) && !list.includes(i)))
    expect(replaced).toBe(true)
  })

  it('iterates sets of ints in CPython order through growth, removal and re-insertion', async () => {
    const ops: [string, number][][] = Array.from({length: 200}, (_, t) => {
      const rng = new PythonRandom(t)
      return Array.from({length: 5 + (t % 60)}, () => [rng.randbelow(10) < 2 ? 'remove' : 'add', rng.randbelow(t % 2 ? 64 : 5000)] as [string, number])
    })
    const expected = await runPython<number[][]>(
      `import json, sys
out = []
for seq in json.load(sys.stdin):
    s = set()
    for op, v in seq:
        if op == 'add': s.add(v)
        else: s.discard(v)
    out.append(list(s))
print(json.dumps(out))`,
      ops,
    )
    const got = ops.map((seq) => {
      const s = new PythonIntSet()
      for (const [op, v] of seq) {
        if (op === 'add') s.add(v)
        else if (s.has(v)) s.remove(v)
      }
      return [...s]
    })
    expect(got).toEqual(expected)
  })

  it('produces the same getrandbits / randbelow / sample streams', async () => {
    const expected = await runPython<{bits: number[]; below: number[]; sample: number[][]}>(
      `import json, random
r = random.Random(20240611)
bits = [r.getrandbits(k) for k in range(1, 33)]
below = [r._randbelow(n) for n in (1, 2, 3, 7, 100, 65536, 2**31 - 1, 4294967295)]
sample = [r.sample(range(n), k) for n, k in ((10, 10), (85, 10), (86, 10), (1000, 3), (21, 5), (22, 6))]
print(json.dumps({'bits': bits, 'below': below, 'sample': sample}))`,
      null,
    )
    const r = new PythonRandom(20240611)
    const bits = Array.from({length: 32}, (_, i) => r.getrandbits(i + 1))
    const below = [1, 2, 3, 7, 100, 65536, 2 ** 31 - 1, 4294967295].map((n) => r.randbelow(n))
    const sample = [[10, 10], [85, 10], [86, 10], [1000, 3], [21, 5], [22, 6]].map(([n, k]) => r.sampleRange(n!, k!))
    expect({bits, below, sample}).toEqual(expected)
  })
})

describe('pandas Series.mean against numpy', () => {
  it('is bit-identical to numpy add.reduce over NaN-zeroed values / count', async () => {
    const rng = new PythonRandom(42)
    const arrays = Array.from({length: 300}, () =>
      Array.from({length: 1 + rng.randbelow(300)}, () => (rng.randbelow(10) === 0 ? null : (rng.getrandbits(30) / 2 ** 30 - 0.3) * 10 ** (rng.randbelow(7) - 3))),
    )
    const expected = await runPython<(number | null)[]>(
      `import json, sys, numpy as np
out = []
for a in json.load(sys.stdin):
    v = np.array([np.nan if x is None else x for x in a], dtype=np.float64)
    mask = np.isnan(v)
    filled = np.where(mask, 0.0, v)
    n = int((~mask).sum())
    out.append(None if n == 0 else float(filled.sum() / n))
print(json.dumps(out))`,
      arrays,
    )
    const got = arrays.map((a) => {
      const m = seriesMean(a.map((x) => (x === null ? Number.NaN : x)))
      return Number.isNaN(m) ? null : m
    })
    expect(got).toEqual(expected)
  })
})
