import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'
import {writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {writeBoundRunFixture, writeExternalModelFixture} from '../../helpers/run-fixture.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Entries of checkpoints trained outside dcbench (issue 16 item 5, in entry version 2): `bench
 * submit --model` takes only a model folder `bench export` wrote from such a checkpoint, the entry has
 * `run: null`, an `external_model` block and the folder's files as its `model`; verify, bundles and
 * boards accept it, and the published board says it is an external checkpoint.
 */

const tempDir = useTempDir('dcbench-external-')

interface Setup {
  dir: string
  key: string
  keyring: string
  board: string
  subset: string
  poolIndex: string
}

/** A pool index of 20 uids, a subset of 10 of them, a participant key trusted by the board. */
async function setup(): Promise<Setup> {
  const dir = tempDir()
  const uids = Array.from({length: 20}, (_, i) => (0x1000 + i).toString(16).padStart(32, '0'))
  writeFileSync(join(dir, 'metadata.csv'), `uid,url\n${uids.map((u, i) => `${u},http://example.com/${i}.jpg`).join('\n')}\n`)
  const indexed = await runBench(['pool', 'index', join(dir, 'metadata.csv'), '--out', join(dir, 'pool.uidx')])
  expect(indexed.exitCode, indexed.stderr).toBe(0)
  const subset = join(dir, 'subset.npy')
  await writeSubsetNpy(subset, new Map(uids.slice(0, 10).map((u) => [u, 1])))
  const keys = await runBenchJson<{private_key_file: string}>(['keys', 'generate', '--out', join(dir, 'keys'), '--name', 'team-a'])
  const board = join(dir, 'board')
  expect((await runBench(['keys', 'trust', join(dir, 'keys', 'team-a.pub'), '--keyring', join(board, 'keyring')])).exitCode).toBe(0)
  return {dir, key: keys.json.private_key_file, keyring: join(board, 'keyring'), board, subset, poolIndex: join(dir, 'pool.uidx')}
}

function submitArgs(s: Setup, model: string, evalFile: string, out: string, extra: string[] = []): string[] {
  return ['submit', '--model', model, '--subset', s.subset, '--pool-index', s.poolIndex, '--eval', evalFile, '--key', s.key, '--out', out, '--method', 'trained elsewhere', ...extra]
}

describe('entries of checkpoints trained elsewhere', () => {
  it('submit --model signs a version-2 entry with run null, external_model and the folder as its model; verify --model checks it', async () => {
    const s = await setup()
    const ext = writeExternalModelFixture(s.dir)
    const entryFile = join(s.dir, 'entry.json')
    const submit = await runBenchJson<{entry: Record<string, any>}>(submitArgs(s, ext.model, ext.evalFile, entryFile))
    expect(submit.exitCode, submit.stderr).toBe(0)
    const entry = submit.json.entry
    expect(entry.format_version).toBe(2)
    expect(entry.run).toBeNull()
    expect(entry.external_model).toEqual({checkpoint_sha256: ext.checkpointSha256, export_image_digest: ext.imageDigest})
    expect(entry.model.sha256).toBe(ext.modelSha256)
    expect(entry.data.subset_size).toBe(10)
    expect(entry.scale).toBe('small')

    const ok = await runBench(['verify', entryFile, '--keyring', s.keyring, '--model', ext.model, '--eval', ext.evalFile, '--pool-index', s.poolIndex])
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^ok +model +/m)
    expect(ok.stdout).toMatch(/^ok +external +.*exported from checkpoint/m)

    const asRun = await runBench(['verify', entryFile, '--keyring', s.keyring, '--run', ext.model])
    expect(asRun.exitCode).toBe(1)
    expect(asRun.stdout).toMatch(/^FAIL run +.*the entry reports an external checkpoint \(run: null\), not a dcbench run/m)

    writeFileSync(join(ext.model, 'image_encoder.onnx'), 'swapped after submitting')
    const swapped = await runBench(['verify', entryFile, '--keyring', s.keyring, '--model', ext.model])
    expect(swapped.exitCode).toBe(1)
    expect(swapped.stdout).toMatch(/^FAIL model +model\.files\.image_encoder\.onnx: /m)
  })

  it('submit refuses a smoke model, a model of a dcbench run, an eval of another model, and --run with --model', async () => {
    const s = await setup()
    const smoke = writeExternalModelFixture(join(s.dir, 'smoke'), {smoke: true})
    const refusedSmoke = await runBench(submitArgs(s, smoke.model, smoke.evalFile, join(s.dir, 'a.json')))
    expect(refusedSmoke.exitCode).toBe(2)
    expect(refusedSmoke.stderr).toMatch(/^error \[DCB_SUBMIT_SMOKE\]: .*model\.json: the model of a smoke run/)

    const ours = writeExternalModelFixture(join(s.dir, 'ours'), {source: 'dcbench-run'})
    const refusedOurs = await runBench(submitArgs(s, ours.model, ours.evalFile, join(s.dir, 'b.json')))
    expect(refusedOurs.exitCode).toBe(2)
    expect(refusedOurs.stderr).toMatch(/^error \[DCB_SUBMIT_MODEL\]: .*provenance\.source is "dcbench-run"/)

    const ext = writeExternalModelFixture(join(s.dir, 'x'))
    const other = writeExternalModelFixture(join(s.dir, 'y'), {seed: 2})
    const wrongEval = await runBench(submitArgs(s, ext.model, other.evalFile, join(s.dir, 'c.json')))
    expect(wrongEval.exitCode).toBe(1)
    expect(wrongEval.stderr).toMatch(/^error \[DCB_EVAL_MODEL\]: .*not the exported model [0-9a-f]{16}…/)

    const both = await runBench([...submitArgs(s, ext.model, ext.evalFile, join(s.dir, 'd.json')), '--run', ext.model])
    expect(both.exitCode).toBe(2)
    expect(both.stderr).toMatch(/^error \[DCB_SUBMIT_MODEL\]: --run and --model/)
  })

  it('a smoke run is refused by submit --run', async () => {
    const dir = tempDir()
    const {run, evalFile, poolIndex} = writeBoundRunFixture(dir)
    const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as Record<string, unknown>
    writeFileSync(join(run, 'run.json'), JSON.stringify({...manifest, smoke: {overrides: [{flag: '--model', official: 'ViT-B-32', smoke: 'dcbench-smoke-vit', why: 'tiny'}], processes: 2, files: []}}))
    const keys = await runBenchJson<{private_key_file: string}>(['keys', 'generate', '--out', join(dir, 'keys'), '--name', 'team-a'])
    const refused = await runBench(['submit', '--run', run, '--eval', evalFile, '--key', keys.json.private_key_file, '--out', join(dir, 'e.json'), '--method', 'm', '--pool-index', poolIndex])
    expect(refused.exitCode, refused.stderr).toBe(2)
    expect(refused.stderr).toMatch(/^error \[DCB_SUBMIT_SMOKE\]: .*run\.json: a smoke run/)
  })

  it('bundles without a run.json, added to a board that shows it as an external checkpoint', async () => {
    const s = await setup()
    const ext = writeExternalModelFixture(s.dir)
    const entryFile = join(s.dir, 'entry.json')
    const bundle = join(s.dir, 'ext.tar')
    const submit = await runBenchJson<{bundle: {members: number}}>(submitArgs(s, ext.model, ext.evalFile, entryFile, ['--bundle', bundle]))
    expect(submit.exitCode, submit.stderr).toBe(0)
    // bundle.json, entry.json, the eval output and eval_info.json, 4 model files; no run/run.json
    expect(submit.json.bundle.members).toBe(8)

    const verified = await runBench(['verify', '--bundle', bundle, '--keyring', s.keyring])
    expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0)
    expect(verified.stdout).toMatch(/^ok +external +/m)

    const add = await runBenchJson<{status: string}>(['leaderboard', 'add', '--bundle', bundle, '--board', s.board])
    expect(add.exitCode, add.stderr).toBe(0)
    // a second entry of the same exported model (another method name) is the same result
    const second = join(s.dir, 'second.json')
    expect((await runBench(submitArgs(s, ext.model, ext.evalFile, second, ['--description', 'again']))).exitCode).toBe(0)
    const duplicate = await runBench(['leaderboard', 'add', second, '--board', s.board])
    expect(duplicate.exitCode).toBe(1)
    expect(duplicate.stderr).toMatch(/DCB_ENTRY_DUPLICATE.*already reports the same external checkpoint model \(model\.sha256 [0-9a-f]{12}…\)/)

    const site = join(s.dir, 'site')
    const publish = await runBench(['leaderboard', 'publish', '--board', s.board, '--out', site])
    expect(publish.exitCode, publish.stderr).toBe(0)
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toContain('<span class="origin external">external checkpoint</span>')
    expect(readFileSync(join(site, 'leaderboard.md'), 'utf8')).toContain('self-reported \\(external checkpoint\\)')
  })
})
