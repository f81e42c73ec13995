import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import {afterAll, describe, expect, it} from 'vitest'

import {fileMismatch, measureFile} from '../../../src/hub/http-file.js'

const root = mkdtempSync(join(tmpdir(), 'dcbench-http-file-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

describe('measuring a file as git and sha256sum do', () => {
  it('gives the git blob id `git hash-object` gives, and the sha256', async () => {
    const file = join(root, 'f.jsonl')
    writeFileSync(file, '{"query": "ünï", "gold": 0}\n'.repeat(1000))
    const measured = await measureFile(file)
    expect(measured.gitBlob).toBe((await execa('git', ['hash-object', file])).stdout.trim())
    expect(measured.sha256).toBe((await execa('sha256sum', [file])).stdout.split(' ')[0])
    expect(measured.bytes).toBe(30_000)
  })

  it('says the first way a file differs from what is expected; unknown fields are not checked', () => {
    const m = {bytes: 3, sha256: 'a'.repeat(64), gitBlob: 'b'.repeat(40)}
    expect(fileMismatch(m, {bytes: null, sha256: null, gitBlob: 'b'.repeat(40)})).toBeUndefined()
    expect(fileMismatch(m, {bytes: 4, sha256: 'a'.repeat(64)})).toBe('3 bytes, expected 4')
    expect(fileMismatch(m, {sha256: 'c'.repeat(64)})).toBe(`sha256 ${'a'.repeat(64)}, expected ${'c'.repeat(64)}`)
    expect(fileMismatch(m, {gitBlob: 'd'.repeat(40)})).toBe(`git blob ${'b'.repeat(40)}, expected ${'d'.repeat(40)}`)
  })
})
