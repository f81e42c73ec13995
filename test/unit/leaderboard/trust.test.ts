import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {beforeEach, describe, expect, it} from 'vitest'

import {addEntry, loadKeyring, publishBoard, rankBoards, readBoard, trustKey, verifyEntry, type Keyring} from '../../../src/leaderboard/index.js'
import {makeSigner, signWith, testSuites, unsignedEntry, writeEntry, type SignerFixture} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Findings of issue 17 about signed and board files: one reading for every reader (no duplicate
 * keys, no prototype keys, no non-finite numbers, one base64 form per signature), names bound to
 * keys, and ties that no participant can set.
 */

const tempDir = useTempDir('dcbench-trust-')

let dir: string
let alice: SignerFixture
let keyring: Keyring

beforeEach(async () => {
  dir = tempDir()
  alice = await makeSigner(join(dir, 'alice'), 'alice')
  await trustKey({publicKeyFile: alice.pubFile, keyringDir: join(dir, 'ring')})
  keyring = await loadKeyring(join(dir, 'ring'))
})

/** The signed entry's JSON text with `key` written twice in the object holding `near` (JSON.parse keeps the last). */
function withDuplicateKey(text: string, near: string, key: string, value: string): string {
  return text.replace(`"${near}":`, `"${key}": ${value},\n  "${near}":`)
}

describe('signed entries are read one way only', () => {
  it('refuses an entry file with a key written twice', async () => {
    const entry = await signWith(alice, unsignedEntry())
    const text = withDuplicateKey(JSON.stringify(entry, null, 2), 'scale', 'method', JSON.stringify({name: 'a nicer name', description: ''}))
    const file = join(dir, 'dup.json')
    writeFileSync(file, text)
    await expect(verifyEntry({entry: file, keyring, suites: testSuites})).rejects.toMatchObject({code: 'DCB_ENTRY_FILE', message: expect.stringMatching(/dup\.json: not valid JSON: line \d+, column \d+: duplicate key "method"/)})
  })

  it('refuses __proto__ inside signed tasks and aggregates, which would otherwise break publishing', async () => {
    const entry = unsignedEntry()
    const signed = await signWith(alice, entry)
    const text = JSON.stringify(signed).replace('"tasks":{', '"tasks":{"__proto__":{"x":1},')
    const file = join(dir, 'proto.json')
    writeFileSync(file, text)
    await expect(verifyEntry({entry: file, keyring, suites: testSuites})).rejects.toMatchObject({code: 'DCB_ENTRY_FILE', message: expect.stringMatching(/key "__proto__" is not allowed/)})
  })

  it('refuses a number past the double range (1e400 reads as Infinity)', async () => {
    const signed = await signWith(alice, unsignedEntry())
    const text = JSON.stringify(signed).replace(/"Average":[0-9.e-]+/, '"Average":1e400')
    const file = join(dir, 'big.json')
    writeFileSync(file, text)
    await expect(verifyEntry({entry: file, keyring, suites: testSuites})).rejects.toMatchObject({code: 'DCB_ENTRY_FILE', message: expect.stringMatching(/big\.json: .*not finite/)})
  })

  it('accepts a signature in its one canonical base64 form only', async () => {
    const signed = await signWith(alice, unsignedEntry())
    const value = signed.signature.value
    // The last character before '==' carries 4 padding bits that decoders ignore: set one of them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const last = alphabet.indexOf(value[85] as string)
    const malleable = `${value.slice(0, 85)}${alphabet[last | 1]}==`
    expect(Buffer.from(malleable, 'base64').equals(Buffer.from(value, 'base64'))).toBe(true)
    const file = writeEntry(dir, 'malleable.json', {...signed, signature: {...signed.signature, value: malleable}})
    const report = await verifyEntry({entry: file, keyring, suites: testSuites})
    expect(report.ok).toBe(false)
    expect(report.checks.filter((c) => !c.ok).map((c) => c.detail).join('\n')).toMatch(/signature\.value: .*canonical base64/)
  })
})

describe('names belong to keys', () => {
  it('refuses a keyring where two different keys have the same name', async () => {
    const other = await makeSigner(join(dir, 'mallory'), 'alice')
    mkdirSync(join(dir, 'ring', 'organizers'), {recursive: true})
    copyFileSync(other.pubFile, join(dir, 'ring', 'organizers', 'alice.pub'))
    await expect(loadKeyring(join(dir, 'ring'))).rejects.toMatchObject({code: 'DCB_KEYRING', message: expect.stringMatching(/two keys named 'alice'/)})
  })

  it("shows the signing key's name on the board, not the free-text submitter", async () => {
    const entry = unsignedEntry()
    entry.submitter = {...entry.submitter, contact: 'The DataComp Team (official)'}
    const file = writeEntry(dir, 'e.json', await signWith(alice, entry))
    const board = join(dir, 'board')
    await addEntry({entryFile: file, boardDir: board, keyringDir: join(dir, 'ring'), suites: testSuites})
    const [ranked] = rankBoards(await readBoard(board), testSuites)
    expect(ranked!.rows[0]!.submitter).toBe('alice')
  })
})

describe('ranking ties', () => {
  it('break by when the organizer added the entry, not by the created_at a participant signs', async () => {
    const first = unsignedEntry({seed: 1})
    const second = {...unsignedEntry({seed: 2}), eval: first.eval, created_at: '2000-01-01T00:00:00.000Z'}
    const board = join(dir, 'board')
    let clock = Date.parse('2025-06-01T00:00:00Z')
    const now = (): Date => new Date((clock += 1000))
    for (const [name, entry] of [['first.json', first], ['second.json', second]] as const) {
      await addEntry({entryFile: writeEntry(dir, name, await signWith(alice, entry)), boardDir: board, keyringDir: join(dir, 'ring'), suites: testSuites, now})
    }
    const [ranked] = rankBoards(await readBoard(board), testSuites)
    expect(ranked!.rows.map((r) => [r.rank, r.method])).toEqual([[1, 'method-1'], [1, 'method-2']])
    const site = join(dir, 'site')
    await publishBoard({boardDir: board, outDir: site, suites: testSuites, formats: ['csv']})
    const csv = readFileSync(join(site, 'csv/datacomp-small-filtering.csv'), 'utf8').split('\r\n')
    expect(csv[1]).toContain('method-1')
  })
})
