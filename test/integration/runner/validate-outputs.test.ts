import {cpSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {validateOutputs} from '../../../src/runner/validate-outputs.js'
import {dclm} from '../../../src/benchmarks/builtins.js'
import {recipeOf} from '../../../src/tracks/index.js'
import {fakeTrainersDir} from '../../helpers/fake-trainer.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-validate-')

function writeRun(run: string, final: object, steps: number[]): void {
  writeFileSync(join(run, 'final.json'), JSON.stringify(final))
  writeFileSync(join(run, 'metrics.jsonl'), steps.map((step) => `${JSON.stringify({step, steps_total: 10, loss: 1 / step})}\n`).join(''))
}

describe('the post-run checks', () => {
  it('accept a complete run with a model that loads and runs, and name every problem of a bad one by file', async () => {
    const trainers = await fakeTrainersDir()
    const run = tempDir()
    cpSync(join(trainers, 'dcbench_trainers/model_lm'), join(run, 'model'), {recursive: true})
    const final = {format: 'dcbench.final/1', benchmark: 'dclm', scale: 'tiny', recipe_hash: 'abc', complete: true, steps: 10, steps_total: 10}
    writeRun(run, final, [1, 2, 3, 10])
    const recipe = recipeOf(dclm, 'tiny')
    const vocab = recipe.recipe.model_config.vocab_size // the fake model's logits width
    const good = await validateOutputs({runDir: run, benchmark: 'dclm', scale: 'tiny', recipeHash: 'abc'})
    expect(good.problems).toEqual([])
    expect(good.model).toEqual({kind: 'lm', files: ['model.onnx', 'tokenizer.json']})

    writeRun(run, {...final, recipe_hash: 'other', complete: false, steps: 4}, [1, 3, 2])
    const meta = JSON.parse(JSON.stringify({kind: 'lm', model: 'x', vocab_size: 7, seq_len: 128, eot_token_id: 0, tokenizer: 'tokenizer.json', onnx: {model: 'model.onnx'}}))
    writeFileSync(join(run, 'model/model.json'), JSON.stringify(meta))
    const bad = await validateOutputs({runDir: run, benchmark: 'dclm', scale: 'tiny', recipeHash: 'abc'})
    expect(bad.ok).toBe(false)
    expect(bad.problems).toEqual([
      `${join(run, 'final.json')}: recipe_hash is "other", expected "abc"`,
      `${join(run, 'final.json')}: complete is false; the run did not finish`,
      `${join(run, 'metrics.jsonl')}:3: step 2 after 3; steps must strictly increase`,
      `${join(run, 'metrics.jsonl')}: last step 3, but final.json says 4`,
      `${join(run, 'model/model.onnx')}: 'logits' is float32 [2, 8, ${vocab}], expected float32 [2, 8, 7]`,
    ])

    // a stop at --max-steps is accepted at exactly that step
    writeRun(run, {...final, complete: false, steps: 3}, [1, 2, 3])
    cpSync(join(trainers, 'dcbench_trainers/model_lm/model.json'), join(run, 'model/model.json'))
    expect((await validateOutputs({runDir: run, benchmark: 'dclm', scale: 'tiny', recipeHash: 'abc', maxSteps: 3})).problems).toEqual([])
    expect((await validateOutputs({runDir: run, benchmark: 'dclm', scale: 'tiny', recipeHash: 'abc', maxSteps: 5})).problems).toEqual([`${join(run, 'final.json')}: stopped at step 3, expected --max-steps 5`])
  }, 120_000)

  it('names a missing final.json, metrics.jsonl and model.json', async () => {
    const run = tempDir()
    const report = await validateOutputs({runDir: run, benchmark: 'datacomp', scale: 'tiny', recipeHash: 'abc'})
    expect(report.problems).toEqual([
      `${join(run, 'final.json')}: missing (the trainer writes it last)`,
      `${join(run, 'metrics.jsonl')}: missing`,
      `${join(run, 'model/model.json')}: missing (the trainer exports the model there)`,
    ])
  })
})
