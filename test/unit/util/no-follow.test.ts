import {constants, closeSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterEach, describe, expect, it} from 'vitest'

import {checkTreeInside, ensureDirInside, lstatInside, openInsideSync, readFileInsideSync, UnsafePathError} from '../../../src/util/no-follow.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

/** A folder holding `root/` (the folder a hostile writer controls) and `outside/secret.txt` beside it. */
function layout(): {root: string; secret: string} {
  const base = mkdtempSync(join(tmpdir(), 'dcbench-no-follow-'))
  dirs.push(base)
  mkdirSync(join(base, 'root', 'logs'), {recursive: true})
  mkdirSync(join(base, 'outside'))
  writeFileSync(join(base, 'outside', 'secret.txt'), 'secret\n')
  writeFileSync(join(base, 'root', 'final.json'), '{"ok": true}')
  return {root: join(base, 'root'), secret: join(base, 'outside', 'secret.txt')}
}

function refusal(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    if (error instanceof UnsafePathError) return error.message
    throw error
  }
  throw new Error('not refused')
}

describe('reading and appending inside a folder someone else writes', () => {
  it('reads and appends to regular files; a missing file is ENOENT, or created when asked', () => {
    const {root} = layout()
    expect(readFileInsideSync(root, 'final.json', 100).toString()).toBe('{"ok": true}')
    expect(() => readFileInsideSync(root, 'missing.json', 100)).toThrow(expect.objectContaining({code: 'ENOENT'}))
    const fd = openInsideSync(root, 'logs/train.log', constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT)
    writeSync(fd, 'line\n')
    closeSync(fd)
    expect(readFileSync(join(root, 'logs/train.log'), 'utf8')).toBe('line\n')
  })

  it('refuses a link as the file or as any folder on the way, naming where it points', () => {
    const {root, secret} = layout()
    symlinkSync(secret, join(root, 'run.json'))
    expect(refusal(() => readFileInsideSync(root, 'run.json', 100))).toBe(`${join(root, 'run.json')}: a symbolic link (to ${secret})`)
    rmSync(join(root, 'logs'), {recursive: true})
    symlinkSync(join(secret, '..'), join(root, 'logs'))
    expect(refusal(() => openInsideSync(root, 'logs/secret.txt', constants.O_WRONLY | constants.O_APPEND))).toMatch(/\/root\/logs: a symbolic link \(to .*outside\)$/)
    expect(refusal(() => ensureDirInside(root, 'logs'))).toMatch(/logs: a symbolic link/)
    // a relative link that stays inside is refused too: nothing the harness reads is a link
    symlinkSync('final.json', join(root, 'metrics.jsonl'))
    expect(refusal(() => readFileInsideSync(root, 'metrics.jsonl', 100))).toMatch(/metrics\.jsonl: a symbolic link \(to final\.json\)$/)
    expect(readFileSync(secret, 'utf8')).toBe('secret\n')
  })

  it('refuses a FIFO without blocking, a folder, and a file over the bound', async () => {
    const {root} = layout()
    await execa('mkfifo', [join(root, 'fifo.json')])
    expect(refusal(() => readFileInsideSync(root, 'fifo.json', 100))).toBe(`${join(root, 'fifo.json')}: not a regular file (a FIFO)`)
    expect(refusal(() => openInsideSync(root, 'fifo.json', constants.O_WRONLY | constants.O_APPEND))).toMatch(/not a regular file \(a FIFO\)$/)
    expect(refusal(() => readFileInsideSync(root, 'logs', 100))).toMatch(/logs: not a regular file \(a folder\)$/)
    expect(refusal(() => readFileInsideSync(root, 'final.json', 5))).toMatch(/final\.json: 12 bytes, more than the 5 allowed$/)
    writeFileSync(join(root, 'logs/x'), '')
    expect(refusal(() => readFileInsideSync(root, 'logs/x/y', 5))).toMatch(/logs\/x: not a regular file, not a folder$/)
  })

  it('lstatInside, ensureDirInside and checkTreeInside see links without following them', () => {
    const {root, secret} = layout()
    expect(lstatInside(root, 'nothing')).toBeUndefined()
    ensureDirInside(root, 'model')
    expect(lstatInside(root, 'model')?.isDirectory()).toBe(true)
    mkdirSync(join(root, 'model', 'sub'))
    writeFileSync(join(root, 'model', 'sub', 'a.onnx'), 'x')
    expect(checkTreeInside(root, 'model')).toBe(true)
    expect(checkTreeInside(root, 'absent')).toBe(false)
    symlinkSync(secret, join(root, 'model', 'sub', 'b.onnx'))
    expect(refusal(() => checkTreeInside(root, 'model'))).toMatch(/model\/sub\/b\.onnx: a symbolic link/)
    expect(refusal(() => checkTreeInside(root, 'final.json'))).toMatch(/final\.json: not a regular file, not a folder|final\.json: .*not a folder/)
    expect(refusal(() => checkTreeInside(root, 'model', 1))).toMatch(/model: more than 1 entries$/)
  })
})
