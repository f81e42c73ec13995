import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {DcbError, EXIT_CODE_MEANINGS, ExitCode} from '../../../src/errors.js'
import {repoRoot} from '../../helpers/cli.js'

describe('exit codes', () => {
  it('the README table lists exactly the codes the CLI uses', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
    const section = readme.split('## Exit codes')[1]!.split('\n## ')[0]!
    const documented = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))
    expect(documented).toEqual(Object.values(ExitCode))
    const meanings = Object.fromEntries([...section.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]]))
    expect(meanings, 'README and EXIT_CODE_MEANINGS (docs/errors.md) say the same').toEqual(EXIT_CODE_MEANINGS)
  })

  it('a DcbError takes its exit code from the catalogue and keeps its code and hints', () => {
    const error = new DcbError('DCB_SUBSET_FORMAT', 'x.npy: truncated', {suggestions: ['re-save it']})
    expect([error.exitCode, error.code, error.suggestions]).toEqual([2, 'DCB_SUBSET_FORMAT', ['re-save it']])
    expect(new DcbError('DCB_SUBSET_INVALID', 'x.csv, row 2: repeat -1').exitCode).toBe(ExitCode.CheckFailed)
    expect(new DcbError('DCB_NO_DOCKER', 'no engine').exitCode).toBe(ExitCode.Environment)
  })

  it('a code the catalogue lacks (an untyped caller) is a bug', () => {
    expect(new DcbError('DCB_NOT_IN_THE_CATALOGUE' as 'DCB_USAGE', 'x').exitCode).toBe(ExitCode.Internal)
  })
})
