import {mkdtempSync, readlinkSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, describe, expect, it} from 'vitest'

import {repoRoot} from '../../helpers/cli.js'

// Issue 18 item 2: `bench` on PATH after `npm install -g .` (what `npm link` does, into a throw-away
// prefix here so the machine's global folder is untouched), working from any folder.
describe('bench on PATH through the package bin', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'dcbench-global-'))
  afterAll(() => rmSync(prefix, {recursive: true, force: true}))

  it('npm install -g . links bin/bench to the clone, and it runs from another folder', async () => {
    // --ignore-scripts: the clone is built already (vitest's global setup); a second build here would race the other tests' dist/.
    const npm = await execa('npm', ['install', '-g', repoRoot, '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {reject: false})
    expect(npm.exitCode, npm.stderr).toBe(0)
    expect(readlinkSync(join(prefix, 'bin', 'bench'))).toMatch(/dcbench\/bin\/run\.js$/)
    const env = {PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`}
    const version = await execa('bench', ['--version'], {cwd: tmpdir(), env, reject: false})
    expect(version.exitCode, version.stderr).toBe(0)
    expect(version.stdout).toMatch(/^dcbench\/\d+\.\d+\.\d+ /)
    const tracks = await execa('bench', ['tracks', 'list', '--json'], {cwd: tmpdir(), env, reject: false})
    expect(tracks.exitCode, tracks.stderr).toBe(0)
    expect(() => JSON.parse(tracks.stdout) as unknown).not.toThrow()
  })
})
