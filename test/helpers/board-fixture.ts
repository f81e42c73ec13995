import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {entryId, serialiseBoard, type BoardRecord} from '../../src/leaderboard/index.js'
import {makeSigner, signWith, unsignedEntry, type EntryFixtureOptions} from './leaderboard.js'

/**
 * Writes a board folder with signed entries straight into entries.jsonl (as `bench leaderboard add`
 * would leave it), for publishing tests. Returns the key folder so tests can build a keyring.
 */
export async function writeBoardFixture(dir: string, entries: EntryFixtureOptions[], verifiedSeeds: number[] = []): Promise<{boardDir: string; keyDir: string}> {
  const keyDir = join(dir, 'keys')
  const signer = await makeSigner(keyDir, 'alice')
  const records: BoardRecord[] = []
  for (const options of entries) {
    const entry = await signWith(signer, unsignedEntry(options))
    const verified = verifiedSeeds.includes(options.seed ?? 1)
    const headline = Object.keys(entry.eval.aggregates)[0] as string
    const score = entry.eval.aggregates[headline] as number
    records.push({
      record_version: 1,
      entry_id: entryId(entry),
      added_at: '2025-03-01T00:00:00.000Z',
      status: verified ? 'verified' : 'self-reported',
      signer: {key_id: signer.keyId, name: 'alice'},
      // A verified line names the organizer re-run that confirmed it (stand-in values).
      ...(verified ? {rerun: {entry_id: entryId({rerun: entry.run!.manifest_sha256}), key_id: signer.keyId, signer: 'organizer', headline: {name: headline, submitted: score, rerun: score, difference: 0}, tolerance: 0.006, added_at: '2025-03-02T00:00:00.000Z'}} : {}),
      entry,
    })
  }
  const boardDir = join(dir, 'board')
  mkdirSync(boardDir, {recursive: true})
  writeFileSync(join(boardDir, 'entries.jsonl'), serialiseBoard(records))
  return {boardDir, keyDir}
}
