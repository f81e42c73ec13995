import {createPublicKey, sign, verify, type KeyObject} from 'node:crypto'

import {canonicalJson, sha256Hex} from '../util/canonical-json.js'
import type {SignedEntry, UnsignedEntry} from './entry-schema.js'
import {keyId} from './keys.js'
import type {Keyring, TrustedKey} from './keyring.js'

/**
 * What is signed: the UTF-8 bytes of the canonical JSON (src/util/canonical-json.ts — keys sorted at
 * every depth, no whitespace, numbers as ECMAScript prints them: RFC 8785 for these values) of the
 * entry object without its `signature` member. The signature therefore covers every field's value;
 * the file's formatting (indentation, key order) is free.
 */
export function signedPayload(entry: Record<string, unknown>): Buffer {
  const {signature: _signature, ...rest} = entry
  return Buffer.from(canonicalJson(rest), 'utf8')
}

/** Signs an entry with an ed25519 private key (node:crypto). */
export function signEntry(entry: UnsignedEntry, privateKey: KeyObject): SignedEntry {
  const value = sign(null, signedPayload(entry), privateKey).toString('base64')
  return {...entry, signature: {algorithm: 'ed25519', key_id: keyId(createPublicKey(privateKey)), value}}
}


export type SignatureCheck =
  | {ok: true; signer: TrustedKey}
  | {ok: false; reason: string}

/**
 * Checks an entry's signature against a keyring. `raw` is the entry exactly as parsed from its file
 * (not a schema-normalised copy), so that no field is dropped or defaulted before checking.
 */
export function checkSignature(raw: Record<string, unknown>, keyring: Keyring): SignatureCheck {
  const prepared = prepare(raw, keyring)
  if (!prepared.ok) return prepared
  return conclude(verify(null, prepared.payload, prepared.signer.publicKey, prepared.signature), prepared.signer)
}

/**
 * Checks many signatures at once. The ed25519 checks run in libuv's thread pool (node:crypto's
 * callback form) while this thread serialises the next entries, so all cores take part.
 */
export async function checkSignatures(raws: readonly Record<string, unknown>[], keyring: Keyring): Promise<SignatureCheck[]> {
  return Promise.all(
    raws.map((raw) => {
      const prepared = prepare(raw, keyring)
      if (!prepared.ok) return prepared
      return new Promise<SignatureCheck>((resolve, reject) => {
        verify(null, prepared.payload, prepared.signer.publicKey, prepared.signature, (error, valid) => (error ? reject(error) : resolve(conclude(valid, prepared.signer))))
      })
    }),
  )
}

type Prepared = {ok: true; signer: TrustedKey; payload: Buffer; signature: Buffer} | {ok: false; reason: string}

function prepare(raw: Record<string, unknown>, keyring: Keyring): Prepared {
  const signature = raw.signature as {algorithm?: unknown; key_id?: unknown; value?: unknown} | undefined
  if (!signature || typeof signature !== 'object') return {ok: false, reason: 'signature: missing (the entry is not signed)'}
  if (signature.algorithm !== 'ed25519') {
    return {ok: false, reason: `signature.algorithm: received ${JSON.stringify(signature.algorithm)}, expected "ed25519"`}
  }
  if (typeof signature.key_id !== 'string') return {ok: false, reason: 'signature.key_id: missing'}
  const signer = keyring.keys.get(signature.key_id)
  if (!signer) {
    return {ok: false, reason: `signature.key_id: unknown signer ${signature.key_id.slice(0, 16)}… (not in keyring ${keyring.dir})`}
  }
  if (typeof signature.value !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(signature.value)) {
    return {ok: false, reason: 'signature.value: expected the base64 of a 64-byte ed25519 signature'}
  }
  if (Buffer.from(signature.value, 'base64').toString('base64') !== signature.value) {
    return {ok: false, reason: 'signature.value: not the canonical base64 of the signature (its padding bits are set), so not the form that was signed'}
  }
  try {
    return {ok: true, signer, payload: signedPayload(raw), signature: Buffer.from(signature.value, 'base64')}
  } catch (error) {
    return {ok: false, reason: `cannot serialise the entry canonically: ${(error as Error).message}`}
  }
}

function conclude(valid: boolean, signer: TrustedKey): SignatureCheck {
  if (!valid) {
    return {
      ok: false,
      reason: `signature: does not match the content for key '${signer.name}' (${signer.keyId.slice(0, 16)}…): a field was changed after signing, or another key signed it`,
    }
  }
  return {ok: true, signer}
}

/** A stable id for a signed entry: sha256 of the canonical JSON of the whole entry, signature included. */
export function entryId(entry: SignedEntry | Record<string, unknown>): string {
  return sha256Hex(canonicalJson(entry))
}
