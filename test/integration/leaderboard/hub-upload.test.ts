import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {runBenchJson} from '../../helpers/cli.js'
import {writeBoardFixture} from '../../helpers/board-fixture.js'
import {startFakeHub, type FakeHub} from '../../helpers/fake-hub.js'
import {useTempDir} from '../../helpers/tmp.js'

// Tested only against a local HTTP server on 127.0.0.1 (test/helpers/fake-hub.ts) that speaks the
// hub's commit API: there is no network here, and tests must never touch the real hub.
const tempDir = useTempDir('dcbench-hub-')
let hub: FakeHub | undefined

afterEach(async () => {
  await hub?.close()
  hub = undefined
})

describe('bench leaderboard publish --hub', () => {
  it('uploads every published file to the dataset repo in one commit, large ones through LFS', async () => {
    hub = await startFakeHub('hf_test_token')
    const dir = tempDir()
    const {boardDir} = await writeBoardFixture(dir, [{seed: 1}, {seed: 2}])
    const out = join(dir, 'site')
    const {exitCode, json, stderr} = await runBenchJson<{files: string[]; hub: {repo: string; files: number; commit: {oid: string}}}>(
      ['leaderboard', 'publish', '--board', boardDir, '--out', out, '--hub', 'dcbench/leaderboard', '--hub-url', hub.url, '--hub-path', 'site'],
      {env: {HF_TOKEN: 'hf_test_token'}},
    )
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    expect(json.hub).toMatchObject({repo: 'dcbench/leaderboard', files: json.files.length})
    expect(hub.commits).toHaveLength(1)
    expect(hub.commits[0]).toMatchObject({repo: 'datasets/dcbench/leaderboard', title: 'Publish dcbench leaderboard'})
    const repo = hub.repos.get('datasets/dcbench/leaderboard')!
    expect([...repo.keys()].sort()).toEqual(json.files.map((f) => `site/${f}`).sort())
    for (const file of json.files) expect(repo.get(`site/${file}`)!.equals(readFileSync(join(out, file))), file).toBe(true)
    // The 1 MB chart library went through the LFS path, the small files inline.
    expect(hub.lfsPaths).toContain('site/assets/echarts.min.js')
    expect(hub.lfsPaths).not.toContain('site/index.html')
    expect(json.hub.commit.oid).toMatch(/^[0-9a-f]{40}$/)
  })

  it('fails with one line when the token is refused, and without a token says how to give one', async () => {
    hub = await startFakeHub('hf_the_right_token')
    const dir = tempDir()
    const {boardDir} = await writeBoardFixture(dir, [{seed: 1}])
    const refused = await runBenchJson<{error: {code: string; message: string; exit_code: number}}>(
      ['leaderboard', 'publish', '--board', boardDir, '--out', join(dir, 'site'), '--hub', 'dcbench/leaderboard', '--hub-url', hub.url, '--hub-token', 'hf_wrong'],
    )
    expect(refused.exitCode).toBe(3)
    expect(refused.json.error).toMatchObject({code: 'DCB_HUB_UPLOAD', message: expect.stringMatching(/upload to http:\/\/127.0.0.1:\d+ dataset dcbench\/leaderboard failed: .*Invalid credentials/)})
    const env = {...process.env}
    delete env.HF_TOKEN
    const missing = await runBenchJson<{error: {code: string; suggestions: string[]}}>(
      ['leaderboard', 'publish', '--board', boardDir, '--out', join(dir, 'site2'), '--hub', 'dcbench/leaderboard', '--hub-url', hub.url],
      {env, extendEnv: false},
    )
    expect(missing.exitCode).toBe(2)
    expect(missing.json.error).toMatchObject({code: 'DCB_HUB_TOKEN', suggestions: [expect.stringMatching(/HF_TOKEN/)]})
    expect(hub.commits).toHaveLength(0)
  })
})
