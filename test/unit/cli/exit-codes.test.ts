import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {DcbError, ExitCode} from '../../../src/errors.js'
import {repoRoot} from '../../helpers/cli.js'

describe('exit codes', () => {
  it('the README table lists exactly the codes the CLI uses', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
    const section = readme.split('## Exit codes')[1]!.split('\n## ')[0]!
    const documented = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))
    expect(documented).toEqual(Object.values(ExitCode))
  })

  it('a DcbError defaults to bad usage and keeps its code and hints', () => {
    const error = new DcbError('DCB_TEST', 'x.npy: truncated', {suggestions: ['re-save it']})
    expect([error.exitCode, error.code, error.suggestions]).toEqual([2, 'DCB_TEST', ['re-save it']])
  })
})
