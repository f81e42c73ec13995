import {createPublicKey, sign, type KeyObject} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {readContaminationReport} from '../contamination/report.js'
import {DcbError} from '../errors.js'
import {sha256Hex} from '../util/canonical-json.js'
import {BOARD_KEYRING_DIR, updateBoard, type BoardRecord} from './board.js'
import {CONTAMINATION_RECORD_FORMAT, type ContaminationRecord} from './contamination-schema.js'
import {loadKeyring} from './keyring.js'
import {keyId, loadPrivateKey} from './keys.js'
import {checkSignature, signedPayload} from './signing.js'

export interface AttachContaminationOptions {
  boardDir: string
  /** The entry id (or a unique prefix of at least 8 hex digits). */
  entry: string
  reportFile: string
  /** The organizer's private key (NAME.key). */
  keyFile: string
  /** Trusted keys (default BOARD/keyring); the signer must be in its organizers/ folder. */
  keyringDir?: string
  now?: () => Date
}

/**
 * Signs a contamination report's summary with an organizer key and attaches it to an entry's board
 * record (replacing an earlier one), under the board lock. Refuses a report about other data than
 * the entry's (benchmark, subset fingerprint) and a key that is not a trusted organizer's.
 */
export async function attachContamination(options: AttachContaminationOptions): Promise<{entryId: string; record: ContaminationRecord; replaced: boolean}> {
  const report = await readContaminationReport(options.reportFile)
  const reportSha256 = sha256Hex(await readFile(options.reportFile))
  const privateKey = await loadPrivateKey(options.keyFile)
  const keyring = await loadKeyring(options.keyringDir ?? join(options.boardDir, BOARD_KEYRING_DIR))
  const signer = keyring.keys.get(keyId(createPublicKey(privateKey)))
  if (signer?.role !== 'organizer') {
    throw new DcbError('DCB_CONTAMINATION_MISMATCH', `${options.keyFile}: ${signer ? `'${signer.name}' is a participant key` : 'its public key is not in the keyring'}; a contamination record is signed by an organizer key (keyring ${keyring.dir}/organizers/)`, {
      suggestions: ['bench keys trust ORGANIZER.pub --keyring BOARD/keyring --organizer'],
    })
  }
  return updateBoard(options.boardDir, (records) => {
    const matches = records.filter((r) => r.entry_id.startsWith(options.entry.toLowerCase()))
    if (options.entry.length < 8 || matches.length !== 1) {
      throw new DcbError('DCB_USAGE', `entry '${options.entry}': ${matches.length === 0 || options.entry.length < 8 ? 'no entry on the board has this id' : `${matches.length} entries start with it`}; give the entry id (at least 8 hex digits)`)
    }
    const target = matches[0]!
    const fail = (why: string): never => {
      throw new DcbError('DCB_CONTAMINATION_MISMATCH', `${options.reportFile}: not about entry ${target.entry_id.slice(0, 12)}…: ${why}`)
    }
    if (report.benchmark !== target.entry.benchmark) fail(`the report checks ${report.benchmark} data, the entry is ${target.entry.benchmark}`)
    if (report.source.fingerprint !== target.entry.data.subset_fingerprint) {
      fail(`the report's subset fingerprint is ${report.source.fingerprint ?? 'none (a whole pool)'}, the entry's is ${target.entry.data.subset_fingerprint}`)
    }
    const record = signRecord(
      {
        format: CONTAMINATION_RECORD_FORMAT,
        entry_id: target.entry_id,
        benchmark: report.benchmark,
        suite: report.suite,
        subset_fingerprint: report.source.fingerprint!,
        report_sha256: reportSha256,
        clean: report.clean,
        records_checked: report.source.records,
        records_flagged: report.records_flagged,
        findings: report.findings_total,
        found: report.tasks.flatMap((t) => t.parts.filter((p) => p.found > 0).map((p) => ({task: t.task, kind: p.kind, found: p.found, total: p.total}))),
        methods: report.methods,
        settings: report.settings,
        checked_at: (options.now ?? (() => new Date()))().toISOString(),
      },
      privateKey,
    )
    const updated: BoardRecord = {...target, contamination: record}
    return {records: records.map((r) => (r === target ? updated : r)), result: {entryId: target.entry_id, record, replaced: target.contamination !== undefined}}
  })
}

function signRecord(record: Omit<ContaminationRecord, 'signature'>, privateKey: KeyObject): ContaminationRecord {
  const value = sign(null, signedPayload(record), privateKey).toString('base64')
  return {...record, signature: {algorithm: 'ed25519', key_id: keyId(createPublicKey(privateKey)), value}}
}

/** Why a board record's contamination record does not verify against a keyring (undefined: it does, or there is none). */
export function contaminationRecordProblem(record: Pick<BoardRecord, 'entry_id' | 'contamination'>, keyring: Parameters<typeof checkSignature>[1]): string | undefined {
  const attached = record.contamination
  if (!attached) return undefined
  if (attached.entry_id !== record.entry_id) return `contamination.entry_id is ${attached.entry_id.slice(0, 12)}…, not this entry's`
  const check = checkSignature(attached as unknown as Record<string, unknown>, keyring)
  if (!check.ok) return `contamination record: ${check.reason}`
  if (check.signer.role !== 'organizer') return `contamination record: signed by '${check.signer.name}', not an organizer key`
  return undefined
}
