import {lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {containerUser, ROOT_MAPPED_USER, shareRunDir} from '../../../src/runner/executors/container-user.js'

const asRoot = process.getuid?.() === 0
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

describe('containerUser', () => {
  it.runIf(asRoot)('maps a root bench to 65532:65532, or to DCBENCH_CONTAINER_USER', () => {
    expect(containerUser({})).toEqual({...ROOT_MAPPED_USER, mapped: true})
    expect(containerUser({DCBENCH_CONTAINER_USER: '1500:1600'})).toEqual({uid: 1500, gid: 1600, mapped: true})
  })

  it.runIf(asRoot)('refuses a DCBENCH_CONTAINER_USER that names root, group 0 or is not UID:GID', () => {
    for (const value of ['0:0', '1500:0', '0:1500', 'nobody', '1500', '-1:5', '1500:1500:1', '4294967295:1']) {
      expect(() => containerUser({DCBENCH_CONTAINER_USER: value}), value).toThrow(expect.objectContaining({code: 'DCB_CONTAINER_USER', exitCode: 2}))
    }
  })

  it.runIf(!asRoot)("runs a user's container as that user, whatever the environment says", () => {
    expect(containerUser({DCBENCH_CONTAINER_USER: '1500:1500'})).toEqual({uid: process.getuid?.(), gid: process.getgid?.(), mapped: false})
  })
})

describe.runIf(asRoot)('shareRunDir', () => {
  it("keeps RUN, run.json, recipe.json and logs/ root's, sticky and group-writable; gives the rest to the container user without following links", () => {
    const run = mkdtempSync(join(tmpdir(), 'dcbench-share-'))
    dirs.push(run)
    const outside = join(run, '..', `${run.split('/').at(-1)}-outside`)
    writeFileSync(outside, 'x')
    dirs.push(outside)
    mkdirSync(join(run, 'logs'))
    mkdirSync(join(run, 'checkpoints'))
    for (const name of ['run.json', 'recipe.json', 'logs/train.log', 'metrics.jsonl', 'checkpoints/step_00000001.pt']) writeFileSync(join(run, name), '{}')
    symlinkSync(outside, join(run, 'checkpoints/link'))
    return shareRunDir(run, {uid: 1500, gid: 1600, mapped: true}).then(() => {
      const owner = (path: string): [number, number, number] => {
        const s = lstatSync(join(run, path))
        return [s.uid, s.gid, s.mode & 0o7777]
      }
      expect(owner('.')).toEqual([0, 1600, 0o1775])
      for (const name of ['run.json', 'recipe.json', 'logs', 'logs/train.log']) expect(owner(name).slice(0, 2), name).toEqual([0, 0])
      for (const name of ['metrics.jsonl', 'checkpoints', 'checkpoints/step_00000001.pt', 'checkpoints/link']) expect(owner(name).slice(0, 2), name).toEqual([1500, 1600])
      expect([lstatSync(outside).uid, lstatSync(outside).gid]).toEqual([0, 0])
    })
  })
})
