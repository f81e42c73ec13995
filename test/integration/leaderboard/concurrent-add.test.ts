import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {execa, type ResultPromise} from 'execa'
import {describe, expect, it} from 'vitest'

import {readBoard, trustKey} from '../../../src/leaderboard/index.js'
import {repoRoot} from '../../helpers/cli.js'
import {makeSigner, signWith, unsignedEntry, writeEntry} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-concurrent-')

/** Starts one `addEntry` process per entry file, releases them together, and collects their results. */
async function addConcurrently(files: string[], boardDir: string, keyringDir: string, dir: string): Promise<{ok: boolean; code?: string; message?: string}[]> {
  const barrier = join(dir, 'go')
  const children: ResultPromise[] = []
  const ready: Promise<void>[] = []
  for (const file of files) {
    const child = execa(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/helpers/add-entry-process.ts'), file, boardDir, keyringDir, barrier], {reject: false, cwd: repoRoot})
    ready.push(
      new Promise((resolve) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve()
        })
      }),
    )
    children.push(child)
  }
  await Promise.all(ready)
  writeFileSync(barrier, '')
  const results = await Promise.all(children)
  return results.map((r) => JSON.parse(String(r.stdout).trim().split('\n').pop() as string))
}

describe('concurrent bench leaderboard add (real processes)', () => {
  it('never loses an entry when several processes add at the same moment', async () => {
    const dir = tempDir()
    const alice = await makeSigner(join(dir, 'keys'))
    const keyringDir = join(dir, 'ring')
    await trustKey({publicKeyFile: alice.pubFile, keyringDir})
    const count = 6
    const files: string[] = []
    for (let seed = 1; seed <= count; seed++) files.push(writeEntry(dir, `entry-${seed}.json`, await signWith(alice, unsignedEntry({seed}))))

    const results = await addConcurrently(files, join(dir, 'board'), keyringDir, dir)
    expect(results.filter((r) => !r.ok)).toEqual([])
    const records = await readBoard(join(dir, 'board'))
    expect(records).toHaveLength(count)
    expect(new Set(records.map((r) => r.entry.method.name))).toEqual(new Set(Array.from({length: count}, (_, i) => `method-${i + 1}`)))
  })

  it('lets exactly one of several concurrent adds of the same entry through', async () => {
    const dir = tempDir()
    const alice = await makeSigner(join(dir, 'keys'))
    const keyringDir = join(dir, 'ring')
    await trustKey({publicKeyFile: alice.pubFile, keyringDir})
    const entry = await signWith(alice, unsignedEntry({seed: 9}))
    const files = [1, 2, 3, 4].map((i) => writeEntry(dir, `copy-${i}.json`, entry))

    const results = await addConcurrently(files, join(dir, 'board'), keyringDir, dir)
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    for (const r of results.filter((x) => !x.ok)) expect(r).toMatchObject({code: 'DCB_ENTRY_DUPLICATE'})
    expect(await readBoard(join(dir, 'board'))).toHaveLength(1)
  })
})
