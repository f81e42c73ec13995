import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {CONTAMINATION_FORMAT, type ContaminationReport} from '../../../src/contamination/report.js'
import {attachContamination, checkSignature, generateKeys, loadKeyring, publishBoard, readBoard} from '../../../src/leaderboard/index.js'
import {writeBoardFixture} from '../../helpers/board-fixture.js'
import {hex, testSuites} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-contamination-record-')

/** A report as `bench subset contamination --out` writes it, about entry seed 1's subset. */
function report(overrides: Partial<ContaminationReport> = {}): ContaminationReport {
  return {
    format: CONTAMINATION_FORMAT,
    benchmark: 'datacomp',
    suite: 'datacomp-38',
    source: {kind: 'subset', subset: {file: 's.npy', format: 'npy', fingerprint: hex('subset-1'), size: 1017, unique: 1017}, pool: 'pool', train_data: null, fingerprint: hex('subset-1'), records: 1017},
    methods: ['exact', 'near', 'caption'],
    settings: {hamming: 10, ngram: 13, min_words: 8, boilerplate: 0.05},
    clean: false,
    records_flagged: 2,
    tasks: [
      {task: 'cifar10', records_flagged: 2, parts: [{kind: 'images', total: 10000, found: 3, fraction_found: 0.0003, found_by: {near: 3}, unchecked: {}}]},
      {task: 'mnist', records_flagged: 0, parts: [{kind: 'images', total: 10000, found: 0, fraction_found: 0, found_by: {}, unchecked: {}}]},
    ],
    missing_tasks: [],
    notes: [],
    findings_total: 3,
    harness_version: '0.1.0',
    findings: [],
    ...overrides,
  }
}

async function setUp(): Promise<{dir: string; boardDir: string; keyring: string; organizerKey: string; participantKey: string; entryId: string}> {
  const dir = tempDir()
  const {boardDir, keyDir} = await writeBoardFixture(dir, [{seed: 1}, {seed: 2}])
  const organizer = await generateKeys({outDir: join(dir, 'org'), name: 'organizer'})
  mkdirSync(join(keyDir, 'organizers'))
  writeFileSync(join(keyDir, 'organizers', 'organizer.pub'), readFileSync(organizer.publicKeyFile))
  const records = await readBoard(boardDir)
  return {dir, boardDir, keyring: keyDir, organizerKey: organizer.privateKeyFile, participantKey: join(keyDir, 'alice.key'), entryId: records[0]!.entry_id}
}

describe('contamination records on a board', () => {
  it("attaches an organizer's signed summary to the entry's record, leaves the entry untouched, and publishing shows it", async () => {
    const {dir, boardDir, keyring, organizerKey, entryId} = await setUp()
    const before = (await readBoard(boardDir))[0]!.entry
    const reportFile = join(dir, 'report.json')
    writeFileSync(reportFile, JSON.stringify(report()))
    const result = await attachContamination({boardDir, entry: entryId.slice(0, 10), reportFile, keyFile: organizerKey, keyringDir: keyring, now: () => new Date('2025-05-01T00:00:00Z')})
    expect(result).toMatchObject({entryId, replaced: false})
    expect(result.record).toMatchObject({entry_id: entryId, clean: false, records_checked: 1017, records_flagged: 2, found: [{task: 'cifar10', kind: 'images', found: 3, total: 10000}], checked_at: '2025-05-01T00:00:00.000Z'})

    const [record] = await readBoard(boardDir)
    expect(record!.entry).toEqual(before)
    const keys = await loadKeyring(keyring)
    const check = checkSignature(record!.contamination as unknown as Record<string, unknown>, keys)
    expect(check.ok && check.signer.role).toBe('organizer')

    const site = join(dir, 'site')
    await publishBoard({boardDir, outDir: site, suites: testSuites, keyring: keys})
    const html = readFileSync(join(site, 'index.html'), 'utf8')
    expect(html).toContain('<span class="contamination flagged" title="Organizer check against datacomp-38 (2025-05-01')
    expect(html).toContain('eval overlap: 1 task</span>')
    const json = JSON.parse(readFileSync(join(site, 'leaderboard.json'), 'utf8')) as {boards: {rows: {entry_id: string; contamination?: {clean: boolean}}[]}[]}
    const rows = json.boards.flatMap((b) => b.rows)
    expect(rows.find((r) => r.entry_id === entryId)!.contamination).toMatchObject({clean: false, records_flagged: 2})
    expect(rows.filter((r) => r.contamination)).toHaveLength(1)
    expect(readFileSync(join(site, 'leaderboard.md'), 'utf8')).toContain('| self-reported, eval overlap |')

    // a second check replaces the first; a clean one shows as such
    writeFileSync(reportFile, JSON.stringify(report({clean: true, records_flagged: 0, findings_total: 0, tasks: []})))
    expect((await attachContamination({boardDir, entry: entryId, reportFile, keyFile: organizerKey, keyringDir: keyring})).replaced).toBe(true)
    await publishBoard({boardDir, outDir: site, suites: testSuites, keyring: keys})
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toContain('no eval overlap</span>')
  })

  it('refuses a report about other data, a participant key, and a record altered after signing', async () => {
    const {dir, boardDir, keyring, organizerKey, participantKey, entryId} = await setUp()
    const reportFile = join(dir, 'report.json')
    writeFileSync(reportFile, JSON.stringify(report({source: {...report().source, fingerprint: hex('another subset')}})))
    await expect(attachContamination({boardDir, entry: entryId, reportFile, keyFile: organizerKey, keyringDir: keyring})).rejects.toThrow(/DCB_CONTAMINATION_MISMATCH|subset fingerprint is [0-9a-f]{64}, the entry's is/)
    writeFileSync(reportFile, JSON.stringify(report({benchmark: 'dclm'})))
    await expect(attachContamination({boardDir, entry: entryId, reportFile, keyFile: organizerKey, keyringDir: keyring})).rejects.toThrow(/the report checks dclm data, the entry is datacomp/)
    writeFileSync(reportFile, JSON.stringify(report()))
    await expect(attachContamination({boardDir, entry: entryId, reportFile, keyFile: participantKey, keyringDir: keyring})).rejects.toThrow(/'alice' is a participant key/)
    await expect(attachContamination({boardDir, entry: 'abc', reportFile, keyFile: organizerKey, keyringDir: keyring})).rejects.toThrow(/at least 8 hex digits/)
    writeFileSync(reportFile, '{"format": "something else"}')
    await expect(attachContamination({boardDir, entry: entryId, reportFile, keyFile: organizerKey, keyringDir: keyring})).rejects.toThrow(/format "something else"; expected "dcbench.contamination\/1"/)

    writeFileSync(reportFile, JSON.stringify(report()))
    await attachContamination({boardDir, entry: entryId, reportFile, keyFile: organizerKey, keyringDir: keyring})
    const file = join(boardDir, 'entries.jsonl')
    writeFileSync(file, readFileSync(file, 'utf8').replace('"clean":false', '"clean":true'))
    await expect(publishBoard({boardDir, outDir: join(dir, 'site'), suites: testSuites, keyring: await loadKeyring(keyring)})).rejects.toThrow(/contamination record: signature: does not match the content/)
  })
})
