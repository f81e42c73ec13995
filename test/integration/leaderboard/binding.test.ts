import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'
import {writeBoundRunFixture} from '../../helpers/run-fixture.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Scores bound to the model that earned them (issue 17): run.json names the sha256 of every model
 * file, the eval output names the model it evaluated, the entry names both, and every step checks.
 */

const tempDir = useTempDir('dcbench-binding-')

async function keys(dir: string): Promise<{private_key_file: string; public_key_file: string}> {
  return (await runBenchJson<{private_key_file: string; public_key_file: string}>(['keys', 'generate', '--out', join(dir, 'keys'), '--name', 'team-a'])).json
}

function submitArgs(run: string, evalFile: string, key: string, out: string, poolIndex: string): string[] {
  return ['submit', '--run', run, '--eval', evalFile, '--key', key, '--out', out, '--method', 'm', '--pool-index', poolIndex]
}

/** An eval file whose every score is 0.99, in DataComp's line format. */
function allNinetyNine(evalFile: string): void {
  const lines = readFileSync(evalFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {key: string; dataset: string; metrics: Record<string, unknown>})
  writeFileSync(evalFile, lines.map((l) => `${JSON.stringify({...l, metrics: l.metrics.main_metric === null ? l.metrics : {main_metric: 0.99}}).replaceAll(',', ', ').replaceAll(':', ': ')}\n`).join(''))
}

describe('bench submit binds the scores to the model', () => {
  it('signs a run whose model files hash to run.json and whose eval names that model', async () => {
    const dir = tempDir()
    const {run, evalFile, poolIndex, modelSha256} = writeBoundRunFixture(dir)
    const k = await keys(dir)
    const submit = await runBenchJson<{entry: {model: {sha256: string; files: Record<string, string>}}}>(submitArgs(run, evalFile, k.private_key_file, join(dir, 'entry.json'), poolIndex))
    expect(submit.exitCode, submit.stderr).toBe(0)
    expect(submit.json.entry.model.sha256).toBe(modelSha256)
    expect(Object.keys(submit.json.entry.model.files).sort()).toEqual(['image_encoder.onnx', 'model.json', 'text_encoder.onnx'])
  })

  it('refuses a hand-written run.json, and one whose model files were changed since', async () => {
    const dir = tempDir()
    const k = await keys(dir)
    const handWritten = writeBoundRunFixture(join(dir, 'a'), {model: false})
    allNinetyNine(handWritten.evalFile)
    const refused = await runBench(submitArgs(handWritten.run, handWritten.evalFile, k.private_key_file, join(dir, 'a.json'), handWritten.poolIndex))
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toMatch(/^error \[DCB_RUN_MODEL\]: .*run\.json: names no model files/)

    const changed = writeBoundRunFixture(join(dir, 'b'))
    writeFileSync(join(changed.run, 'model', 'image_encoder.onnx'), 'a better tower')
    const stale = await runBench(submitArgs(changed.run, changed.evalFile, k.private_key_file, join(dir, 'b.json'), changed.poolIndex))
    expect(stale.exitCode).toBe(1)
    expect(stale.stderr).toMatch(/^error \[DCB_RUN_MODEL\]: .*model\/image_encoder\.onnx hashes to [0-9a-f]{16}…, run\.json says [0-9a-f]{16}…/)
    expect(() => readFileSync(join(dir, 'b.json'))).toThrow()
  })

  it('refuses an eval made on another model', async () => {
    const dir = tempDir()
    const k = await keys(dir)
    const other = writeBoundRunFixture(dir, {evalModelSha256: 'f'.repeat(64)})
    const refused = await runBench(submitArgs(other.run, other.evalFile, k.private_key_file, join(dir, 'e.json'), other.poolIndex))
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toMatch(/^error \[DCB_EVAL_MODEL\]: .*evaluated model ffffffffffffffff…, not this run's model [0-9a-f]{16}…/)
  })

  it('bench verify --run re-hashes the model files an entry names', async () => {
    const dir = tempDir()
    const {run, evalFile, poolIndex} = writeBoundRunFixture(dir)
    const k = await keys(dir)
    const entryFile = join(dir, 'entry.json')
    expect((await runBench(submitArgs(run, evalFile, k.private_key_file, entryFile, poolIndex))).exitCode).toBe(0)
    const ok = await runBench(['verify', entryFile, '--keyring', join(dir, 'keys'), '--run', run])
    expect(ok.exitCode, ok.stdout).toBe(0)
    expect(ok.stdout).toMatch(/^ok +model +/m)
    writeFileSync(join(run, 'model', 'text_encoder.onnx'), 'swapped after submitting')
    const swapped = await runBench(['verify', entryFile, '--keyring', join(dir, 'keys'), '--run', run])
    expect(swapped.exitCode).toBe(1)
    expect(swapped.stdout).toMatch(/^FAIL model +model\.files\.text_encoder\.onnx: .*hashes to [0-9a-f]{16}…, the entry says [0-9a-f]{16}…/m)
  })
})
