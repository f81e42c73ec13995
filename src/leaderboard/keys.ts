import {createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject} from 'node:crypto'
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../errors.js'
import {writeAtomically} from '../util/atomic-write.js'
import {sha256Hex} from '../util/canonical-json.js'

/**
 * Signing keys are ed25519 pairs from node:crypto, stored as PEM so standard tools read them
 * (`openssl pkey -in NAME.key`): the private key as PKCS#8 (file mode 0600), the public key as SPKI.
 * A key's id is the sha256 (hex) of its raw 32-byte public key.
 */

/** The id of an ed25519 public key: sha256 of its raw 32 bytes, hex. */
export function keyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({format: 'jwk'})
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new TypeError('not an ed25519 public key')
  return sha256Hex(Buffer.from(jwk.x, 'base64url'))
}

export interface GenerateKeysOptions {
  /** Folder to write NAME.key and NAME.pub into (created if missing). */
  outDir: string
  /** File stem; defaults to `dcbench-signing`. */
  name?: string
  /** Replace existing files. */
  force?: boolean
}

export interface GeneratedKeys {
  keyId: string
  privateKeyFile: string
  publicKeyFile: string
}

/** Generates an ed25519 pair; the private key file is created with mode 0600 (never group/world readable). */
export async function generateKeys(options: GenerateKeysOptions): Promise<GeneratedKeys> {
  const name = options.name ?? 'dcbench-signing'
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new DcbError('DCB_KEY_NAME', `key name '${name}': expected letters, digits, '.', '_' or '-'`)
  }
  try {
    await mkdir(options.outDir, {recursive: true})
  } catch (error) {
    throw new DcbError('DCB_KEY_DIR', `${options.outDir}: cannot create the key folder (${(error as NodeJS.ErrnoException).code})`)
  }
  const privateKeyFile = join(options.outDir, `${name}.key`)
  const publicKeyFile = join(options.outDir, `${name}.pub`)
  if (!options.force) {
    for (const file of [privateKeyFile, publicKeyFile]) {
      if (await exists(file)) {
        throw new DcbError('DCB_KEY_EXISTS', `${file}: already exists; refusing to overwrite a key`, {suggestions: ['pass --force to replace it, or choose another --name']})
      }
    }
  }
  const {privateKey, publicKey} = generateKeyPairSync('ed25519')
  const privatePem = privateKey.export({format: 'pem', type: 'pkcs8'}) as string
  const publicPem = publicKey.export({format: 'pem', type: 'spki'}) as string
  // The temp file is created 0600 before any byte is written, so the key is never readable by others.
  await writeAtomically(privateKeyFile, (temp) => writeFile(temp, privatePem, {mode: 0o600, flag: 'wx'}))
  await writeAtomically(publicKeyFile, (temp) => writeFile(temp, publicPem, {mode: 0o644, flag: 'wx'}))
  return {keyId: keyId(publicKey), privateKeyFile, publicKeyFile}
}

/** Reads a PKCS#8 PEM ed25519 private key. */
export async function loadPrivateKey(file: string): Promise<KeyObject> {
  const pem = await readKeyFile(file)
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch {
    throw new DcbError('DCB_KEY_FILE', `${file}: not a PEM private key (expected the NAME.key written by 'bench keys generate')`)
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new DcbError('DCB_KEY_FILE', `${file}: key type '${key.asymmetricKeyType}'; expected ed25519`)
  }
  return key
}

/** Reads an SPKI PEM ed25519 public key (a private key file is refused: keyrings hold public keys only). */
export function parsePublicKey(pem: string, file: string): KeyObject {
  if (pem.includes('PRIVATE KEY')) {
    throw new DcbError('DCB_KEY_FILE', `${file}: holds a private key; a keyring holds public keys only (NAME.pub)`)
  }
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch {
    throw new DcbError('DCB_KEY_FILE', `${file}: not a PEM public key (expected the NAME.pub written by 'bench keys generate')`)
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new DcbError('DCB_KEY_FILE', `${file}: key type '${key.asymmetricKeyType}'; expected ed25519`)
  }
  return key
}

export async function loadPublicKey(file: string): Promise<KeyObject> {
  return parsePublicKey(await readKeyFile(file), file)
}

async function readKeyFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError('DCB_KEY_FILE', `${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code})`}`)
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file)
    return true
  } catch {
    return false
  }
}
