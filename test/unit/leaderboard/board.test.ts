import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {beforeEach, describe, expect, it} from 'vitest'

import {addEntry, readBoard, type UnsignedEntry} from '../../../src/leaderboard/index.js'
import {boardWithSigners, hex, signWith, testSuites, unsignedEntry, writeEntry, type SignerFixture} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-board-')

let dir: string
let alice: SignerFixture
let organizer: SignerFixture
let board: string

beforeEach(async () => {
  ;({dir, board, alice, organizer} = await boardWithSigners(tempDir()))
})

/** The organizers' re-run of the same subset: their own run, scores shifted by `shift`. */
function rerunOf(entry: UnsignedEntry, shift: number): UnsignedEntry {
  const rerun = structuredClone(entry)
  rerun.run!.manifest_sha256 = hex('organizer run')
  rerun.eval.results_sha256 = hex('organizer eval')
  for (const key of Object.keys(rerun.eval.tasks)) rerun.eval.tasks[key] = (rerun.eval.tasks[key] as number) + shift
  rerun.eval.aggregates = testSuites(rerun.eval.suite)!.aggregate(rerun.eval.tasks)
  return rerun
}

describe('bench leaderboard add', () => {
  it('appends a verified entry as self-reported, with who signed it', async () => {
    const entry = await signWith(alice, unsignedEntry())
    const result = await addEntry({entryFile: writeEntry(dir, 'e.json', entry), boardDir: board, suites: testSuites, now: () => new Date('2025-03-01T00:00:00Z')})
    expect(result).toMatchObject({action: 'added', status: 'self-reported', records: 1, board: {benchmark: 'datacomp', scale: 'small', track: 'filtering'}})
    const [record] = await readBoard(board)
    expect(record).toMatchObject({record_version: 2, entry_id: result.entryId, added_at: '2025-03-01T00:00:00.000Z', status: 'self-reported', signer: {name: 'alice', key_id: alice.keyId}})
    expect(record!.entry).toEqual(entry)
    // One JSON record per line, nothing else.
    expect(readFileSync(join(board, 'entries.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1)
  })

  it('marks an entry verified when an organizer re-run agrees within the tolerance', async () => {
    const base = unsignedEntry()
    const entryFile = writeEntry(dir, 'e.json', await signWith(alice, base))
    const rerunFile = writeEntry(dir, 'rerun.json', await signWith(organizer, rerunOf(base, 0.002)))
    const result = await addEntry({entryFile, rerunFile, boardDir: board, suites: testSuites})
    expect(result.status).toBe('verified')
    const [record] = await readBoard(board)
    expect(record!.rerun).toMatchObject({signer: 'datacomp-team', key_id: organizer.keyId, tolerance: 1, tasks_compared: 38, headline: {name: 'Average'}})
    expect(record!.rerun!.headline.difference).toBeCloseTo(0.002, 12)
  })

  it('upgrades an entry already on the board when its re-run arrives later', async () => {
    const base = unsignedEntry()
    const entryFile = writeEntry(dir, 'e.json', await signWith(alice, base))
    await addEntry({entryFile, boardDir: board, suites: testSuites})
    const rerunFile = writeEntry(dir, 'rerun.json', await signWith(organizer, rerunOf(base, -0.001)))
    const result = await addEntry({entryFile, rerunFile, boardDir: board, suites: testSuites})
    expect(result).toMatchObject({action: 'upgraded', status: 'verified', records: 1})
    expect((await readBoard(board)).map((r) => r.status)).toEqual(['verified'])
  })

  it('refuses a re-run that disagrees, that a participant signed, or that trained on other data', async () => {
    const base = unsignedEntry()
    const entryFile = writeEntry(dir, 'e.json', await signWith(alice, base))
    // Every task 0.015 higher: within each task's bound, but the headline moves 0.015 > 0.01.
    const far = writeEntry(dir, 'far.json', await signWith(organizer, rerunOf(base, 0.015)))
    await expect(addEntry({entryFile, rerunFile: far, boardDir: board, suites: testSuites})).rejects.toThrow(
      /far.json: the re-run does not confirm .*e.json: Average: submitted [0-9.]+, re-run [0-9.]+; \|difference\| 0.015000 > tolerance 0.010000/,
    )
    // A tolerance factor of 2 accepts it.
    await expect(addEntry({entryFile, rerunFile: far, boardDir: board, suites: testSuites, tolerance: 2})).resolves.toMatchObject({status: 'verified'})

    const board2 = join(dir, 'board2')
    const bySelf = writeEntry(dir, 'self.json', await signWith(alice, rerunOf(base, 0)))
    await expect(addEntry({entryFile, rerunFile: bySelf, boardDir: board2, keyringDir: join(board, 'keyring'), suites: testSuites})).rejects.toThrow(/signed by 'alice', which is not an organizer key/)
    const otherData = rerunOf(base, 0)
    otherData.data.subset_fingerprint = hex('another subset')
    const other = writeEntry(dir, 'other.json', await signWith(organizer, otherData))
    await expect(addEntry({entryFile, rerunFile: other, boardDir: board2, keyringDir: join(board, 'keyring'), suites: testSuites})).rejects.toThrow(/data.subset_fingerprint: re-run has [0-9a-f]+, entry has [0-9a-f]+/)
  })

  it('names the line of a damaged board file', async () => {
    await addEntry({entryFile: writeEntry(dir, 'e.json', await signWith(alice, unsignedEntry())), boardDir: board, suites: testSuites})
    writeFileSync(join(board, 'entries.jsonl'), `${readFileSync(join(board, 'entries.jsonl'), 'utf8')}{"record_version": 1\n`)
    await expect(readBoard(board)).rejects.toThrow(/entries.jsonl:2: not valid JSON/)
    writeFileSync(join(board, 'entries.jsonl'), '{"record_version": 7}\n')
    await expect(readBoard(board)).rejects.toThrow(/entries.jsonl:1: record_version: /)
  })
})
