import {execFileSync} from 'node:child_process'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {
  checkSignature,
  entryId,
  generateKeys,
  keyId,
  loadKeyring,
  loadPublicKey,
  signedPayload,
  trustKey,
} from '../../../src/leaderboard/index.js'
import {makeSigner, signWith, unsignedEntry} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-keys-')

describe('keys', () => {
  it('writes a PEM pair with the private key at mode 0600, readable by openssl-compatible parsers', async () => {
    const dir = tempDir()
    const keys = await generateKeys({outDir: join(dir, 'k'), name: 'alice'})
    expect(statSync(keys.privateKeyFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(keys.privateKeyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(readFileSync(keys.publicKeyFile, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/)
    expect(keys.keyId).toMatch(/^[0-9a-f]{64}$/)
    expect(keyId(await loadPublicKey(keys.publicKeyFile))).toBe(keys.keyId)
  })

  it('says so when the key folder cannot be made', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'file'), '')
    await expect(generateKeys({outDir: join(dir, 'file', 'keys')})).rejects.toMatchObject({code: 'DCB_KEY_DIR', message: expect.stringMatching(/file\/keys: cannot create the key folder \(ENOTDIR\)/)})
  })

  it('refuses to overwrite an existing key unless forced', async () => {
    const dir = tempDir()
    const first = await generateKeys({outDir: dir, name: 'k'})
    await expect(generateKeys({outDir: dir, name: 'k'})).rejects.toThrow(/already exists; refusing to overwrite/)
    const second = await generateKeys({outDir: dir, name: 'k', force: true})
    expect(second.keyId).not.toBe(first.keyId)
  })

  it('builds a keyring from .pub files with organizer keys in organizers/', async () => {
    const dir = tempDir()
    const alice = await makeSigner(join(dir, 'alice'), 'alice')
    const org = await makeSigner(join(dir, 'org'), 'team')
    const ring = join(dir, 'ring')
    await trustKey({publicKeyFile: alice.pubFile, keyringDir: ring})
    await trustKey({publicKeyFile: org.pubFile, keyringDir: ring, role: 'organizer'})
    const keyring = await loadKeyring(ring)
    expect(keyring.keys.get(alice.keyId)).toMatchObject({name: 'alice', role: 'participant'})
    expect(keyring.keys.get(org.keyId)).toMatchObject({name: 'team', role: 'organizer'})
    // A private key never goes into a keyring.
    await expect(trustKey({publicKeyFile: alice.keyFile, keyringDir: ring})).rejects.toThrow(/holds a private key/)
    // Another key under a name already taken is refused.
    const bob = await makeSigner(join(dir, 'bob'), 'alice')
    await expect(trustKey({publicKeyFile: bob.pubFile, keyringDir: ring})).rejects.toThrow(/a different key already has the name 'alice'/)
    await expect(loadKeyring(join(dir, 'nope'))).rejects.toThrow(/keyring .*nope: folder not found/)
  })

  it('rejects a malformed key file in a keyring instead of skipping it', async () => {
    const ring = tempDir()
    writeFileSync(join(ring, 'broken.pub'), 'not a key\n')
    await expect(loadKeyring(ring)).rejects.toThrow(/broken.pub: not a PEM public key/)
  })
})

describe('signing', () => {
  it('signs the canonical JSON without the signature block, so formatting and key order do not matter', async () => {
    const dir = tempDir()
    const alice = await makeSigner(dir)
    const entry = await signWith(alice, unsignedEntry())
    const keyring = await loadKeyring(dir)
    expect(checkSignature(entry as any, keyring)).toMatchObject({ok: true})

    // Reverse the key order at every depth: same canonical bytes, same signature, same id.
    const reversed = reverseKeys(entry) as Record<string, unknown>
    expect(JSON.stringify(reversed)).not.toBe(JSON.stringify(entry))
    expect(signedPayload(reversed).equals(signedPayload(entry as any))).toBe(true)
    expect(checkSignature(reversed, keyring)).toMatchObject({ok: true})
    expect(entryId(reversed)).toBe(entryId(entry))
    expect(signedPayload(entry as any).toString('utf8')).not.toContain('"signature"')
  })

  it('produces signatures that openssl verifies over the documented payload', async () => {
    const dir = tempDir()
    const alice = await makeSigner(dir)
    const entry = await signWith(alice, unsignedEntry())
    writeFileSync(join(dir, 'payload'), signedPayload(entry as any))
    writeFileSync(join(dir, 'sig'), Buffer.from(entry.signature.value, 'base64'))
    let openssl = true
    try {
      execFileSync('openssl', ['version'])
    } catch {
      openssl = false
    }
    if (!openssl) return // openssl is optional on the host; node:crypto's check above still ran.
    const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', alice.pubFile, '-rawin', '-in', join(dir, 'payload'), '-sigfile', join(dir, 'sig')], {encoding: 'utf8'})
    expect(out).toMatch(/Signature Verified Successfully/)
  })
})

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]))
  }
  return value
}
