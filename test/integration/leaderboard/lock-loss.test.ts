import {randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {entriesFile, entryId, readBoard, trustKey, updateBoard, type BoardRecord} from '../../../src/leaderboard/index.js'
import {repoRoot} from '../../helpers/cli.js'
import {makeSigner, signWith, unsignedEntry, writeEntry} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Issue 17: the board lock. A lock can be lost — another process decides it is stale and takes it —
 * and then the holder must stop cleanly: no crash (proper-lockfile throws ECOMPROMISED from a timer by
 * default), nothing written, no `.partial` left, the other process's lock left alone. On a 100,000-entry
 * board reading the board takes longer than the lock's stale time; two adds at once must both land.
 */

const tempDir = useTempDir('dcbench-lock-')

const partials = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith('.partial'))

describe('losing the board lock', () => {
  it('stops cleanly when another process takes the lock mid-update: nothing written, its lock left alone', async () => {
    const board = join(tempDir(), 'board')
    const lockDir = `${entriesFile(board)}.lock`
    const update = updateBoard(
      board,
      async (records) => {
        // another process finds the lock stale and takes it
        rmSync(lockDir, {recursive: true})
        mkdirSync(lockDir)
        await sleep(3000)
        return {records: [...records, {entry_id: 'x'} as unknown as BoardRecord], result: 'written'}
      },
      {staleMs: 2000},
    )
    await expect(update).rejects.toMatchObject({code: 'DCB_BOARD_LOCK_LOST'})
    expect(existsSync(entriesFile(board))).toBe(false)
    expect(partials(board)).toEqual([])
    expect(existsSync(lockDir)).toBe(true)
  })

  it('removes the .partial a killed add left, and adds', async () => {
    const dir = tempDir()
    const board = join(dir, 'board')
    mkdirSync(board, {recursive: true})
    writeFileSync(join(board, '.entries.jsonl.99999999.deadbeef.partial'), '{"half": ')
    await updateBoard(board, (records) => ({records, result: undefined}))
    expect(partials(board)).toEqual([])
  })

  it('lets two adds to a 100,000-entry board both land, though reading it takes longer than the stale time', {timeout: 600_000}, async () => {
    const dir = tempDir()
    const alice = await makeSigner(join(dir, 'keys'), 'alice')
    const keyringDir = join(dir, 'ring')
    await trustKey({publicKeyFile: alice.pubFile, keyringDir})
    const board = join(dir, 'board')
    mkdirSync(board)
    const entry = await signWith(alice, unsignedEntry({seed: 99}))
    const line = JSON.stringify({record_version: 1, entry_id: entryId(entry), added_at: '2025-03-01T00:00:00.000Z', status: 'self-reported', signer: {key_id: alice.keyId, name: 'alice'}, entry})
    const lines: string[] = []
    for (let i = 0; i < 100_000; i++) lines.push(line.replace(entryId(entry), randomBytes(32).toString('hex')))
    writeFileSync(entriesFile(board), `${lines.join('\n')}\n`)

    const files = [1, 2].map(async (seed) => writeEntry(dir, `entry-${seed}.json`, await signWith(alice, unsignedEntry({seed}))))
    const barrier = join(dir, 'go')
    const children = (await Promise.all(files)).map((file) =>
      execa(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/helpers/add-entry-process.ts'), file, board, keyringDir, barrier], {reject: false, cwd: repoRoot}),
    )
    await sleep(3000)
    writeFileSync(barrier, '')
    const results = await Promise.all(children)
    for (const result of results) {
      expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0)
      expect(JSON.parse(String(result.stdout).trim().split('\n').pop() as string)).toMatchObject({ok: true})
    }
    expect(partials(board)).toEqual([])
    expect(readFileSync(entriesFile(board), 'utf8').trimEnd().split('\n')).toHaveLength(100_002)
    expect((await readBoard(board)).slice(-2).map((r) => r.entry.method.name).sort()).toEqual(['method-1', 'method-2'])
  })
})
