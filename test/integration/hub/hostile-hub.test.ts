import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {DcbError} from '../../../src/errors.js'
import {downloadSnapshot, repoCacheDir} from '../../../src/hub/download.js'
import {startFakeDatasetHub, type FakeDatasetHub} from '../../helpers/fake-hub-datasets.js'

/**
 * Issue 17: the hub downloader against a hostile HF_ENDPOINT. Paths and object ids come from the
 * server; none may place a file or folder outside the cache, and a partial file a killed run left
 * in the cache is verified (git blob sha1, or LFS sha256) and downloaded again, never trusted.
 */

const REPO = 'evil/data'
let root: string
let hub: FakeDatasetHub
const small = Buffer.from('the small file\n')
const big = Buffer.alloc(5000, 7)

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-hostile-hub-'))
  mkdirSync(join(root, 'src'))
  writeFileSync(join(root, 'src/a.txt'), small)
  writeFileSync(join(root, 'src/big.bin'), big)
  hub = await startFakeDatasetHub({[REPO]: join(root, 'src')})
})

afterEach(async () => {
  await hub.close()
  rmSync(root, {recursive: true, force: true})
})

const download = () => downloadSnapshot({repo: REPO, cacheDir: join(root, 'cache'), hubUrl: hub.url})

async function refusal(): Promise<DcbError> {
  const error = await download().then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DcbError)
  return error as DcbError
}

/** Everything under the test folder except the cache and the hub's source files: must stay empty. */
function outsideTheCache(): string[] {
  return readdirSync(root).filter((name) => name !== 'cache' && name !== 'src')
}

const HOSTILE: [string, string, {path?: string; oid?: string; lfsOid?: string}, RegExp][] = [
  ['a path climbing out of the snapshot', 'a.txt', {path: '../../../../escaped/evil.txt'}, /path "\.\.\/\.\.\/\.\.\/\.\.\/escaped\/evil\.txt"/],
  ['a path climbing out from inside a folder', 'a.txt', {path: 'dir/../../../../../escaped.txt'}, /path "dir\/\.\.\//],
  ['an absolute path', 'a.txt', {path: '/tmp/dcbench-escaped.txt'}, /path "\/tmp\/dcbench-escaped\.txt"/],
  ['a git object id that climbs out of blobs/', 'a.txt', {oid: '../../../../escaped-git'}, /object id "\.\.\/\.\.\/\.\.\/\.\.\/escaped-git"/],
  ['an LFS object id that climbs out of blobs/', 'big.bin', {lfsOid: '../../../../escaped-lfs'}, /object id "\.\.\/\.\.\/\.\.\/\.\.\/escaped-lfs"/],
]

describe('a hostile hub cannot write outside the cache', () => {
  it.for(HOSTILE)('refuses %s', async ([, file, listed, pattern]) => {
    hub.listAs(REPO, file, listed)
    const error = await refusal()
    expect(error.code).toBe('DCB_HUB_LISTING')
    expect(error.message).toMatch(pattern)
    expect(outsideTheCache()).toEqual([])
    expect(existsSync('/tmp/dcbench-escaped.txt')).toBe(false)
  })
})

describe('partial files a killed run left in the cache are verified, never trusted', () => {
  const gitOid = createHash('sha1').update(`blob ${small.length}\0`).update(small).digest('hex')
  const blobs = () => join(repoCacheDir(join(root, 'cache'), REPO), 'blobs')

  it('downloads a small file again when its .incomplete holds other bytes of the full size', async () => {
    mkdirSync(blobs(), {recursive: true})
    writeFileSync(join(blobs(), `${gitOid}.incomplete`), Buffer.alloc(small.length, 0x78))
    const result = await download()
    expect(readFileSync(join(result.snapshotDir, 'a.txt'))).toEqual(small)
    expect(existsSync(join(blobs(), `${gitOid}.incomplete`))).toBe(false)
  })

  it('downloads a small file again when its .incomplete starts with other bytes', async () => {
    mkdirSync(blobs(), {recursive: true})
    writeFileSync(join(blobs(), `${gitOid}.incomplete`), Buffer.from('XYZ'))
    const result = await download()
    expect(readFileSync(join(result.snapshotDir, 'a.txt'))).toEqual(small)
  })

  it('downloads an LFS file again when its .incomplete starts with other bytes', async () => {
    const lfsOid = createHash('sha256').update(big).digest('hex')
    mkdirSync(blobs(), {recursive: true})
    writeFileSync(join(blobs(), `${lfsOid}.incomplete`), Buffer.alloc(100, 1))
    const result = await download()
    expect(readFileSync(join(result.snapshotDir, 'big.bin'))).toEqual(big)
  })
})
