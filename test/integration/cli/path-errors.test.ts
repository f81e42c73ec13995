import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'

// Path mistakes on the command line are usage errors (DCB_PATH, exit 2) naming the flag and the
// path, found before any work — never "a bug in dcbench" (exit 70) from an ENOENT/EISDIR deep inside.
let root: string
let dir: string
let file: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-paths-'))
  dir = join(root, 'existing-dir')
  mkdirSync(dir)
  file = join(root, 'pool.parquet')
  writeFileSync(file, 'not a pool folder')
})

interface Case {
  name: string
  args: () => string[]
  /** The one error line, after `error [DCB_PATH]: `. */
  line: () => string
}

const missingParent = '/nonexistent-dcbench/dir'
const cases: Case[] = [
  {name: 'pool index --out in a missing folder', args: () => ['pool', 'index', dir, '--out', `${missingParent}/x.uidx`], line: () => `--out ${missingParent}/x.uidx: folder ${missingParent} does not exist`},
  {name: 'subset convert to an existing folder', args: () => ['subset', 'convert', file, dir], line: () => `OUT ${dir}: is a directory; expected the subset file to write`},
  {name: 'filter --pool naming a file', args: () => ['filter', '--benchmark', 'datacomp', '--filter', 'none', '--pool', file, '--out', join(root, 's.npy')], line: () => `--pool ${file}: is a regular file; expected the pool folder (as bench pool synth or the official download writes it)`},
  {name: 'filter --out in a missing folder', args: () => ['filter', '--benchmark', 'datacomp', '--filter', 'none', '--pool', dir, '--out', `${missingParent}/s.npy`], line: () => `--out ${missingParent}/s.npy: folder ${missingParent} does not exist`},
  {name: 'doctor --dir that does not exist', args: () => ['doctor', '--dir', '/nonexistent-dcbench'], line: () => `--dir /nonexistent-dcbench: no such folder`},
  {name: 'reshard --pool naming a file', args: () => ['reshard', '--benchmark', 'datacomp', '--subset', file, '--pool', file, '--out', join(root, 'data')], line: () => `--pool ${file}: is a regular file; expected the pool folder`},
  {name: 'reshard --out naming a file', args: () => ['reshard', '--benchmark', 'datacomp', '--subset', file, '--pool', dir, '--out', file], line: () => `--out ${file}: is a regular file; expected a folder`},
  {name: 'pool synth --out below a file', args: () => ['pool', 'synth', '--benchmark', 'datacomp', '--scale', 'tiny', '--out', join(file, 'pool')], line: () => `--out ${join(file, 'pool')}: ${file} is a regular file, not a folder`},
  {name: 'train --out naming a file', args: () => ['train', '--benchmark', 'datacomp', '--scale', 'tiny', '--data', dir, '--out', file], line: () => `--out ${file}: is a regular file; expected the run folder`},
  {name: 'submit --out in a missing folder', args: () => ['submit', '--run', dir, '--eval', file, '--key', file, '--method', 'm', '--out', `${missingParent}/entry.json`], line: () => `--out ${missingParent}/entry.json: folder ${missingParent} does not exist`},
  {name: 'predict fit --out naming a folder', args: () => ['predict', 'fit', '--from', dir, '--out', dir], line: () => `--out ${dir}: is a directory; expected the law.json to write`},
  {name: 'leaderboard publish --out naming a file', args: () => ['leaderboard', 'publish', '--board', dir, '--out', file], line: () => `--out ${file}: is a regular file; expected the site folder`},
  {name: 'subset validate --sort into a folder', args: () => ['subset', 'validate', file, '--benchmark', 'datacomp', '--scale', 'tiny', '--pool', file, '--sort', dir], line: () => `--sort ${dir}: is a directory; expected the sorted subset file to write`},
]

describe('path mistakes are usage errors naming the path (DCB_PATH, exit 2)', () => {
  it.each(cases)('$name', async (c) => {
    const result = await runBench(c.args())
    expect(result.exitCode, result.stderr).toBe(2)
    const lines = result.stderr.trim().split('\n')
    expect(lines[0]).toBe(`error [DCB_PATH]: ${c.line()}`)
    expect(lines.slice(1).every((line) => line.startsWith('  hint: '))).toBe(true)
    expect(result.stdout).toBe('')
  })

  it('--json: the same error as one JSON document', async () => {
    const {exitCode, json} = await runBenchJson<{error: {code: string; message: string; exit_code: number}}>(['pool', 'index', dir, '--out', `${missingParent}/x.uidx`])
    expect(exitCode).toBe(2)
    expect(json.error).toMatchObject({code: 'DCB_PATH', exit_code: 2, message: `--out ${missingParent}/x.uidx: folder ${missingParent} does not exist`})
  })
})
