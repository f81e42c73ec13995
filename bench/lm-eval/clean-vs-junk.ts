// Does the tiny suite separate clean from junk training data? (issue 6 item 7 / issue 8's goal)
//
//   npx tsx bench/lm-eval/clean-vs-junk.ts [--steps 300] [--tokens 400000] [--dim 128] [--layers 4]
//
// Draws documents of the tiny text world (world seed 0, the pool's default) — only clean ones for one
// model, only junk ones (shuffled words, boilerplate, spam, false facts; equal shares) for the other —
// tokenizes them with the tiny-world tokenizer, trains the same small GPT on each in PyTorch for the
// same steps, exports both and scores them with evaluateDclm on the dclm-tiny suite. Prints Core
// (centered, chance = 0) and each task against its random baseline.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'

import '../../src/benchmarks/builtins.js'
import {evaluateDclm} from '../../src/eval/lm/evaluate.js'
import {loadLmSuite} from '../../src/eval/lm/suite.js'
import {findHostPython} from '../../src/runner/host-python.js'
import {loadShippedTokenizer, shippedTokenizerFile, TINY_WORLD_TOKENIZER} from '../../src/tokenizers/index.js'
import {createRng} from '../../src/util/rng.js'
import {boilerplateDocument, buildTextWorld, cleanTextDocument, falseFactsDocument, shuffledWordsDocument, spamDocument} from '../../src/world/index.js'

const arg = (name: string, fallback: number): number => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback)
const steps = arg('--steps', 300)
const budget = arg('--tokens', 400_000)
const python = (await findHostPython())?.path
if (!python) throw new Error('python3 with torch required')
const tokenizer = loadShippedTokenizer(TINY_WORLD_TOKENIZER)
const eot = tokenizer.tokenToId('<|endoftext|>') ?? 0
const world = buildTextWorld(0)
const root = mkdtempSync(join(tmpdir(), 'dcbench-clean-junk-'))
const suite = loadLmSuite('dclm-tiny')

for (const kind of ['clean', 'junk'] as const) {
  const rng = createRng(`bench:clean-vs-junk:${kind}`)
  const ids: number[] = []
  for (let i = 0; ids.length < budget; i++) {
    const doc = kind === 'clean' ? cleanTextDocument(world, rng) : [shuffledWordsDocument(world, rng), boilerplateDocument(rng), spamDocument(rng), falseFactsDocument(world, rng)][i % 4]!
    ids.push(...tokenizer.encode(doc.text), eot)
  }
  const tokens = join(root, `${kind}.json`)
  writeFileSync(tokens, JSON.stringify({ids}))
  const modelDir = join(root, kind, 'model')
  const t0 = Date.now()
  const trained = await execa(python, [join(import.meta.dirname, 'train_tiny.py'), modelDir, '--tokens', tokens, '--tokenizer', shippedTokenizerFile(TINY_WORLD_TOKENIZER)!, '--steps', String(steps), '--name', `tiny-gpt-${kind}`, '--dim', String(arg('--dim', 128)), '--layers', String(arg('--layers', 4))])
  const result = await evaluateDclm({suite: 'dclm-tiny', modelDir, outDir: join(root, kind), dataDir: join(root, 'data')})
  const rows = result.tasks.map((t) => {
    const base = suite.tasks.find((s) => s.label === t.label)!.randomBaseline.v2 / 100
    return `${t.label} ${t.accuracy.toFixed(3)} (chance ${base.toFixed(2)})`
  })
  console.log(`${kind}: trained ${steps} steps on ${ids.length} tokens in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${JSON.parse(trained.stdout.trim().split('\n').at(-1)!).final_loss.toFixed(3)} final loss; Core ${Number(result.headline.value).toFixed(3)}\n  ${rows.join('\n  ')}`)
}
