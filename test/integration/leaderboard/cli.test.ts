import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'
import {writeBoardFixture} from '../../helpers/board-fixture.js'
import {signWith, unsignedEntry, writeEntry} from '../../helpers/leaderboard.js'
import {loadPrivateKey} from '../../../src/leaderboard/index.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-lb-cli-')

describe('bench keys', () => {
  it('generate writes a 0600 private key and prints the key id; trust puts the public key in a keyring', async () => {
    const dir = tempDir()
    const {exitCode, json} = await runBenchJson<{key_id: string; private_key_file: string; public_key_file: string}>(['keys', 'generate', '--out', join(dir, 'k'), '--name', 'alice'])
    expect(exitCode).toBe(0)
    expect(json.key_id).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(json.private_key_file).mode & 0o777).toBe(0o600)
    await loadPrivateKey(json.private_key_file)

    const again = await runBench(['keys', 'generate', '--out', join(dir, 'k'), '--name', 'alice'])
    expect(again.exitCode).toBe(2)
    expect(again.stderr).toMatch(/^error \[DCB_KEY_EXISTS\]: .*alice.key: already exists; refusing to overwrite a key\n {2}hint: pass --force/)

    const trusted = await runBenchJson<{key_id: string; role: string}>(['keys', 'trust', json.public_key_file, '--keyring', join(dir, 'ring'), '--organizer'])
    expect(trusted.json).toMatchObject({key_id: json.key_id, role: 'organizer'})
    expect(readFileSync(join(dir, 'ring/organizers/alice.pub'), 'utf8')).toBe(readFileSync(json.public_key_file, 'utf8'))
  })
})

describe('bench verify and bench leaderboard add on a tampered entry', () => {
  it('reject it with the reason, exit 1, and leave the board untouched', async () => {
    const dir = tempDir()
    const keys = await runBenchJson<{key_id: string; private_key_file: string; public_key_file: string}>(['keys', 'generate', '--out', join(dir, 'k')])
    await runBench(['keys', 'trust', keys.json.public_key_file, '--keyring', join(dir, 'board/keyring')])
    const signer = {dir, keyFile: keys.json.private_key_file, pubFile: keys.json.public_key_file, keyId: keys.json.key_id}
    const entry = await signWith(signer, unsignedEntry())
    entry.eval.aggregates.Average = 0.99 // raised after signing
    const file = writeEntry(dir, 'entry.json', entry)

    const verify = await runBench(['verify', file, '--keyring', join(dir, 'board/keyring')])
    expect(verify.exitCode).toBe(1)
    expect(verify.stdout).toMatch(/^ok {3}schema/m)
    expect(verify.stdout).toMatch(/^FAIL signature {2}signature: does not match the content for key 'dcbench-signing'/m)
    expect(verify.stderr).toMatch(/^rejected: .*entry.json: signature: does not match the content/)

    const asJson = await runBenchJson<{ok: boolean; checks: {name: string; ok: boolean}[]}>(['verify', file, '--keyring', join(dir, 'board/keyring')])
    expect(asJson.exitCode).toBe(1)
    expect(asJson.json.ok).toBe(false)
    expect(asJson.json.checks.find((c) => c.name === 'signature')).toMatchObject({ok: false})

    const add = await runBench(['leaderboard', 'add', file, '--board', join(dir, 'board')])
    expect(add.exitCode).toBe(1)
    expect(add.stderr).toMatch(/^error \[DCB_ENTRY_REJECTED\]: .*entry.json: rejected: signature: does not match the content/)
    expect(() => statSync(join(dir, 'board/entries.jsonl'))).toThrow()
  })

  it('says which file is broken when the entry is not JSON or the keyring is missing', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'entry.json'), 'not json')
    const noKeyring = await runBench(['verify', join(dir, 'entry.json'), '--keyring', join(dir, 'none')])
    expect(noKeyring.exitCode).toBe(2)
    expect(noKeyring.stderr).toMatch(/^error \[DCB_KEYRING\]: keyring .*none: folder not found/)
    await runBench(['keys', 'generate', '--out', join(dir, 'ring')])
    const notJson = await runBench(['verify', join(dir, 'entry.json'), '--keyring', join(dir, 'ring')])
    expect(notJson.exitCode).toBe(2)
    expect(notJson.stderr).toMatch(/^error \[DCB_ENTRY_FILE\]: .*entry.json: not valid JSON/)
  })
})

describe('bench leaderboard publish', () => {
  it('writes the site and refuses an unknown format', async () => {
    const dir = tempDir()
    const {boardDir, keyDir} = await writeBoardFixture(dir, [{seed: 1}, {seed: 2}, {benchmark: 'dclm', seed: 3}])
    const {exitCode, json} = await runBenchJson<{entries: number; signatures_checked: number; boards: {id: string; entries: number}[]; files: string[]}>([
      'leaderboard', 'publish', '--board', boardDir, '--out', join(dir, 'site'), '--keyring', keyDir,
    ])
    expect(exitCode).toBe(0)
    expect(json).toMatchObject({entries: 3, signatures_checked: 3, boards: [{id: 'datacomp-small-filtering', entries: 2}, {id: 'dclm-400m-1x-filtering', entries: 1}]})
    expect(json.files).toContain('index.html')
    const plain = await runBench(['leaderboard', 'publish', '--board', boardDir, '--out', join(dir, 'site')])
    expect(plain.stdout).toMatch(/published 3 entries in 2 boards → .*site \(\d+ files\)/)
    const bad = await runBench(['leaderboard', 'publish', '--board', boardDir, '--out', join(dir, 'site'), '--format', 'html,pdf'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/^error \[DCB_UNKNOWN_CHOICE\]: unknown format 'pdf'; valid: html, md, csv, json/)
  })
})
