import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, describe, expect, it} from 'vitest'

import {repoRoot} from '../../helpers/cli.js'

/**
 * Issue 18 item 1: quickstart on a machine where nothing can train. This host has both trainers, so
 * the test takes them away for one process, for real: a private mount namespace (unshare, root only)
 * where /usr/bin/python3 is /dev/null, PATH holds no other python3, and DOCKER_HOST names no engine.
 * Nothing is installed: the offer is answered "n" (the apt path runs in test/integration/fresh-machine).
 */
const root = process.getuid?.() === 0 && existsSync('/usr/bin/unshare') && existsSync('/usr/bin/script')
const dir = mkdtempSync(join(tmpdir(), 'dcbench-no-trainer-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function withoutTrainers(command: string, input?: string) {
  const script = `/usr/bin/mount --bind /dev/null /usr/bin/python3 && ${command}`
  return execa('/usr/bin/unshare', ['--mount', '/bin/sh', '-c', script], {
    reject: false,
    cwd: dir,
    input,
    env: {DOCKER_HOST: 'unix:///nonexistent/docker.sock', PATH: '/usr/local/bin', DCBENCH_PYTHON: '', HOME: dir, SHELL: '/bin/sh'},
    extendEnv: false,
  })
}

const bench = `${process.execPath} ${join(repoRoot, 'bin/run.js')}`

describe.runIf(root)('bench quickstart without a trainer', () => {
  it('without a terminal: exit 3 (DCB_NO_TRAINER) naming the one command that fixes it, and nothing written', async () => {
    const run = await withoutTrainers(`${bench} quickstart --out qs`)
    expect(run.exitCode, run.stderr).toBe(3)
    const lines = run.stderr.trim().split('\n')
    expect(lines[0]).toMatch(/^error \[DCB_NO_TRAINER\]: nothing can train the tiny models: .* and no python3 found$/)
    expect(lines[1]).toBe('  hint: run: bench doctor --fix --yes')
    expect(run.stderr).toMatch(/DCBENCH_PYTHON/)
    expect(existsSync(join(dir, 'qs'))).toBe(false)
  })

  it('on a terminal: offers bench doctor --fix, prints the commands, and runs none when the answer is no', async () => {
    const run = await withoutTrainers(`/usr/bin/script -qec '${bench} quickstart --out qs' /dev/null`, 'n\n')
    expect(run.exitCode, run.stdout).toBe(2)
    expect(run.stdout).toMatch(/no python3 found; bench doctor --fix can install one\./)
    expect(run.stdout).toMatch(/^ {2}env DEBIAN_FRONTEND=noninteractive apt-get install .*python3-torch/m)
    expect(run.stdout).toMatch(/Run them now\? \[y\/N\]/)
    expect(run.stdout).toMatch(/error \[DCB_FIX_CONFIRM\]: not confirmed at the prompt; nothing was run/)
    expect(run.stdout).not.toMatch(/^\$ apt-get/m)
    expect(existsSync(join(dir, 'qs'))).toBe(false)
  })
})
