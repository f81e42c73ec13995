// Leaderboard scale benchmark: verifying 10,000 entry signatures and publishing a 10,000-entry board.
//
//   npx tsx bench/leaderboard/run.ts [--entries 10000]
//
// Targets (issue 7): each < 2 s. Baselines measured in the same run on the same data:
//   - signatures: bare node:crypto ed25519 verify, one after another, over pre-serialised payloads
//     (the crypto floor on one thread); dcbench adds the canonical serialisation and the keyring
//     lookup, and runs the ed25519 checks in libuv's thread pool (checkSignatures).
//   - publish: JSON.parse of every board line + writing the same bytes back (the I/O floor);
//     dcbench's publish adds validation, ranking and rendering html/md/csv/json.
import {generateKeyPairSync, verify} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import {
  checkSignature,
  checkSignatures,
  defaultSuites,
  parseEntryText,
  verifyEntry,
  entryId,
  keyId,
  publishBoard,
  serialiseBoard,
  signEntry,
  signedPayload,
  type BoardRecord,
  type Keyring,
  type SuiteScoring,
  type UnsignedEntry,
} from '../../src/leaderboard/index.js'
import '../../src/benchmarks/builtins.js'
import {getRecipe} from '../../src/tracks/index.js'
import {canonicalHash} from '../../src/util/canonical-json.js'

const count = Number(process.argv[process.argv.indexOf('--entries') + 1] || 10_000) || 10_000
const TARGET_S = 2

const datacomp = defaultSuites('datacomp-38') as SuiteScoring

/** A DataComp entry with real task keys and aggregates from the real aggregator, spread over 4 scales × 2 tracks. */
function makeEntry(i: number, keyId: string): UnsignedEntry {
  const tasks: Record<string, number> = {}
  datacomp.tasks.forEach((task, t) => (tasks[task.key] = ((i * 7919 + t * 104729) % 10000) / 10000))
  const hex = (s: string): string => canonicalHash(s)
  const scale = ['small', 'medium', 'large', 'xlarge'][i % 4] as string
  const track = i % 5 === 0 ? 'byod' : 'filtering'
  return {
    format: 'dcbench-leaderboard-entry',
    format_version: 2,
    benchmark: 'datacomp',
    scale,
    track,
    submitter: {key_id: keyId},
    method: {name: `method-${i}`, description: `benchmark entry ${i}`, link: `https://example.org/${i}`},
    data: {subset_fingerprint: hex(`subset ${i}`), subset_size: 1000 + ((i * 37) % 100_000) * 100, pool_index_sha256: hex(`pool ${scale}`)},
    recipe_hash: getRecipe({benchmark: 'datacomp', scale, track}).hash,
    run: {manifest_sha256: hex(`run ${i}`), executor: 'docker', container_image_digest: `sha256:${hex('image')}`, started_at: '2025-01-01T00:00:00Z', finished_at: '2025-01-01T05:00:00Z'},
    model: {sha256: hex(`model ${i}`), files: {'model.json': hex(`model ${i} json`)}},
    eval: {suite: datacomp.suite, suite_version: datacomp.version, results_sha256: hex(`eval ${i}`), tasks, aggregates: datacomp.aggregate(tasks)},
    harness_version: '0.1.0',
    created_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
  }
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function main(): Promise<void> {
  const {privateKey, publicKey} = generateKeyPairSync('ed25519')
  const id = keyId(publicKey)
  const keyring: Keyring = {dir: '(bench)', keys: new Map([[id, {keyId: id, name: 'bench', role: 'participant', publicKey, file: '(bench)'}]])}

  process.stderr.write(`signing ${count} entries…\n`)
  const entries = Array.from({length: count}, (_, i) => signEntry(makeEntry(i, id), privateKey))
  // What a verifier starts from: the entries as parsed from their files.
  const parsed = entries.map((e) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>)

  // Signatures: 3 rounds each, median.
  const payloads = parsed.map((e) => signedPayload(e))
  const signatures = entries.map((e) => Buffer.from(e.signature.value, 'base64'))
  const bare: number[] = []
  const oneByOne: number[] = []
  const ours: number[] = []
  for (let round = 0; round < 3; round++) {
    let start = process.hrtime.bigint()
    for (let i = 0; i < count; i++) if (!verify(null, payloads[i] as Buffer, publicKey, signatures[i] as Buffer)) throw new Error('bad signature')
    bare.push(seconds(start))
    start = process.hrtime.bigint()
    for (const entry of parsed) if (!checkSignature(entry, keyring).ok) throw new Error('bad signature')
    oneByOne.push(seconds(start))
    // What publish --keyring runs: canonical serialisation here, ed25519 in the thread pool.
    start = process.hrtime.bigint()
    if (!(await checkSignatures(parsed, keyring)).every((c) => c.ok)) throw new Error('bad signature')
    ours.push(seconds(start))
  }

  // Full verification (schema, signature, recipe, task list, aggregates recomputed by the DataComp
  // aggregator) of every entry, for reference: no target.
  const fullStart = process.hrtime.bigint()
  for (const raw of parsed) {
    const report = await verifyEntry({entry: parseEntryText(JSON.stringify(raw), '(bench)'), keyring, suites: defaultSuites})
    if (!report.ok) throw new Error(report.checks.filter((c) => !c.ok).map((c) => c.detail).join('; '))
  }
  const fullVerify = seconds(fullStart)

  // Publishing.
  const dir = mkdtempSync(join(tmpdir(), 'dcbench-bench-leaderboard-'))
  try {
    const boardDir = join(dir, 'board')
    await mkdir(boardDir)
    const records: BoardRecord[] = entries.map((entry, i) => ({
      record_version: 1,
      entry_id: entryId(entry),
      added_at: entry.created_at,
      status: i % 7 === 0 ? 'verified' : 'self-reported',
      signer: {key_id: id, name: 'bench'},
      entry,
    }))
    const text = serialiseBoard(records)
    writeFileSync(join(boardDir, 'entries.jsonl'), text)
    const floor: number[] = []
    const publish: number[] = []
    let files = 0
    for (let round = 0; round < 3; round++) {
      let start = process.hrtime.bigint()
      const lines = readFileSync(join(boardDir, 'entries.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
      writeFileSync(join(dir, `floor-${round}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n'))
      floor.push(seconds(start))
      start = process.hrtime.bigint()
      const result = await publishBoard({boardDir, outDir: join(dir, 'site'), suites: defaultSuites})
      publish.push(seconds(start))
      files = result.files.length
    }
    const sigMedian = median(ours)
    const pubMedian = median(publish)
    const report = {
      entries: count,
      // Absolute times depend on what else the machine runs; the ratios less so.
      machine: {cpus: cpus().length, load_average_1m: round(loadavg()[0] as number)},
      signatures: {
        dcbench_s: round(sigMedian),
        one_by_one_s: round(median(oneByOne)),
        bare_node_crypto_s: round(median(bare)),
        ratio_vs_bare: round(sigMedian / median(bare)),
        per_entry_us: round((sigMedian / count) * 1e6),
        target_s: TARGET_S,
        meets_target: sigMedian < TARGET_S,
      },
      full_verification: {dcbench_s: round(fullVerify), per_entry_us: round((fullVerify / count) * 1e6)},
      publish: {
        dcbench_s: round(pubMedian),
        parse_and_rewrite_floor_s: round(median(floor)),
        ratio_vs_floor: round(pubMedian / median(floor)),
        board_mb: round(Buffer.byteLength(text) / 1e6),
        files,
        target_s: TARGET_S,
        meets_target: pubMedian < TARGET_S,
      },
    }
    console.log(JSON.stringify(report, null, 2))
    console.log(
      `verify ${count} signatures: ${report.signatures.dcbench_s} s (${report.signatures.ratio_vs_bare}× bare crypto.verify ${report.signatures.bare_node_crypto_s} s) — target < ${TARGET_S} s: ${report.signatures.meets_target ? 'met' : 'MISSED'}`,
    )
    console.log(`full verification of ${count} entries (schema, signature, recipe, tasks, DataComp aggregates): ${report.full_verification.dcbench_s} s (no target)`)
    console.log(
      `publish ${count} entries: ${report.publish.dcbench_s} s (${report.publish.ratio_vs_floor}× the parse+rewrite floor ${report.publish.parse_and_rewrite_floor_s} s) — target < ${TARGET_S} s: ${report.publish.meets_target ? 'met' : 'MISSED'}`,
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

function round(value: number): number {
  return Number(value.toPrecision(3))
}

await main()
