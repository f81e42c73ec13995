import type {KeyObject} from 'node:crypto'
import {constants} from 'node:fs'
import {copyFile, mkdir, readdir, readFile} from 'node:fs/promises'
import {basename, join} from 'node:path'

import {DcbError} from '../errors.js'
import {keyId, loadPublicKey, parsePublicKey} from './keys.js'

/**
 * A keyring is a folder of trusted public keys (`*.pub`, SPKI PEM). Keys in its `organizers/`
 * subfolder are also trusted to sign organizer re-runs, which mark board entries verified.
 *
 *     KEYRING/alice.pub
 *     KEYRING/organizers/datacomp-team.pub
 */
export type KeyRole = 'participant' | 'organizer'

export interface TrustedKey {
  keyId: string
  /** The file stem, shown as the signer's name. */
  name: string
  role: KeyRole
  publicKey: KeyObject
  file: string
}

export interface Keyring {
  dir: string
  keys: Map<string, TrustedKey>
}

export const ORGANIZERS_DIR = 'organizers'

/** Loads every `*.pub` of a keyring folder; a malformed key file is an error, not skipped. */
export async function loadKeyring(dir: string): Promise<Keyring> {
  const keys = new Map<string, TrustedKey>()
  const top = await listPubFiles(dir, true)
  const organizers = await listPubFiles(join(dir, ORGANIZERS_DIR), false)
  for (const [files, role] of [[top, 'participant'], [organizers, 'organizer']] as const) {
    for (const file of files) {
      const publicKey = parsePublicKey(await readFile(file, 'utf8'), file)
      const id = keyId(publicKey)
      const existing = keys.get(id)
      const name = basename(file, '.pub')
      // A name is what boards show for a key: two keys may not share one.
      const namesake = [...keys.values()].find((k) => k.name === name && k.keyId !== id)
      if (namesake) {
        throw new DcbError('DCB_KEYRING', `keyring ${dir}: two keys named '${name}' (${namesake.file} and ${file}); a name must stand for one key`, {
          suggestions: ['rename one of the files (the name is the file stem)'],
        })
      }
      // The same key listed twice keeps the stronger role.
      if (existing && existing.role === 'organizer') continue
      keys.set(id, {keyId: id, name, role, publicKey, file})
    }
  }
  return {dir, keys}
}

async function listPubFiles(dir: string, required: boolean): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (!required && code === 'ENOENT') return []
    throw new DcbError('DCB_KEYRING', `keyring ${dir}: ${code === 'ENOENT' ? 'folder not found' : code === 'ENOTDIR' ? 'not a folder' : `cannot read (${code})`}`, {
      suggestions: ["a keyring is a folder of trusted NAME.pub files ('bench keys trust NAME.pub --keyring DIR')"],
    })
  }
  return names.filter((n) => n.endsWith('.pub')).sort().map((n) => join(dir, n))
}

export interface TrustKeyOptions {
  publicKeyFile: string
  keyringDir: string
  role?: KeyRole
  /** Name in the keyring; defaults to the file stem. */
  name?: string
}

/** Copies a public key into a keyring (creating it), after checking it is an ed25519 public key. */
export async function trustKey(options: TrustKeyOptions): Promise<TrustedKey> {
  const publicKey = await loadPublicKey(options.publicKeyFile)
  const role = options.role ?? 'participant'
  const name = options.name ?? basename(options.publicKeyFile).replace(/\.pub$|\.pem$/, '')
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new DcbError('DCB_KEY_NAME', `key name '${name}': expected letters, digits, '.', '_' or '-'`)
  }
  const dir = role === 'organizer' ? join(options.keyringDir, ORGANIZERS_DIR) : options.keyringDir
  await mkdir(dir, {recursive: true})
  const file = join(dir, `${name}.pub`)
  try {
    await copyFile(options.publicKeyFile, file, constants.COPYFILE_EXCL)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    if (keyId(await loadPublicKey(file)) !== keyId(publicKey)) {
      throw new DcbError('DCB_KEY_EXISTS', `${file}: a different key already has the name '${name}'`, {suggestions: ['choose another --name']})
    }
  }
  return {keyId: keyId(publicKey), name, role, publicKey, file}
}
