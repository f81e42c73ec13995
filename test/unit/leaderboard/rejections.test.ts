import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {beforeEach, describe, expect, it} from 'vitest'

import {
  addEntry,
  loadKeyring,
  trustKey,
  verifyEntry,
  type Keyring,
  type SignedEntry,
  type UnsignedEntry,
  type VerifyReport,
} from '../../../src/leaderboard/index.js'
import {hex, makeSigner, signWith, testSuites, unsignedEntry, writeEntry, type SignerFixture} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-reject-')

let dir: string
let alice: SignerFixture
let keyring: Keyring

beforeEach(async () => {
  dir = tempDir()
  alice = await makeSigner(join(dir, 'alice'), 'alice')
  await trustKey({publicKeyFile: alice.pubFile, keyringDir: join(dir, 'ring')})
  keyring = await loadKeyring(join(dir, 'ring'))
})

async function verifyFile(file: string): Promise<VerifyReport> {
  return verifyEntry({entry: file, keyring, suites: testSuites})
}

/** Signs `mutate(entry)` properly (so only the rule under test fails) and verifies it. */
async function verifySigned(mutate: (e: UnsignedEntry) => void): Promise<VerifyReport> {
  const entry = unsignedEntry()
  mutate(entry)
  return verifyFile(writeEntry(dir, 'entry.json', await signWith(alice, entry)))
}

function failures(report: VerifyReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)
}

function expectRejected(report: VerifyReport, pattern: RegExp): void {
  expect(report.ok).toBe(false)
  expect(failures(report).join('\n')).toMatch(pattern)
}

/** Every leaf of a JSON value with its path. */
function leaves(value: unknown, path: (string | number)[] = []): {path: (string | number)[]; value: unknown}[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]))
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]))
  return [{path, value}]
}

describe('a valid entry', () => {
  it('passes every check', async () => {
    const report = await verifyFile(writeEntry(dir, 'entry.json', await signWith(alice, unsignedEntry())))
    expect(failures(report)).toEqual([])
    expect(report.checks.map((c) => c.name)).toEqual(['schema', 'signature', 'recipe', 'model', 'tasks', 'aggregates'])
    expect(report.signer).toMatchObject({name: 'alice', role: 'participant'})
  })
})

describe('tampered entries are rejected', () => {
  it('a changed byte in any signed field breaks the signature (every leaf, one at a time)', async () => {
    const signed = await signWith(alice, unsignedEntry())
    const text = `${JSON.stringify(signed, null, 2)}\n`
    const fields = leaves(signed).filter((l) => l.path[0] !== 'signature')
    expect(fields.length).toBeGreaterThan(50)
    for (const {path, value} of fields) {
      // Change one byte of this field's value in the file text, keeping it valid for the schema
      // where possible so that the signature is what catches it.
      const tampered = JSON.parse(text)
      let target = tampered
      for (const key of path.slice(0, -1)) target = target[key]
      const last = path[path.length - 1] as string
      target[last] = changeOneByte(value)
      const file = writeEntry(dir, 'tampered.json', tampered)
      const report = await verifyFile(file)
      expect(report.ok, `changing ${path.join('.')} went unnoticed`).toBe(false)
      expect(report.checks.find((c) => c.name === 'signature')?.detail, path.join('.')).toMatch(/does not match the content/)
    }
  })

  it('a byte flipped in the raw file text is caught', async () => {
    const text = `${JSON.stringify(await signWith(alice, unsignedEntry()), null, 2)}\n`
    const at = text.indexOf('"subset_size": ') + '"subset_size": '.length
    const flipped = text.slice(0, at) + String((Number(text[at]) + 1) % 10) + text.slice(at + 1)
    writeFileSync(join(dir, 'flipped.json'), flipped)
    expectRejected(await verifyFile(join(dir, 'flipped.json')), /signature: does not match the content for key 'alice'/)
  })

  it('an added field is refused by the schema (and breaks the signature)', async () => {
    const entry = {...(await signWith(alice, unsignedEntry())), bonus: 1}
    const report = await verifyFile(writeEntry(dir, 'e.json', entry))
    expectRejected(report, /schema: .*bonus/)
    expectRejected(report, /signature: does not match/)
  })

  it('the signature of another key under this key id', async () => {
    const mallory = await makeSigner(join(dir, 'mallory'), 'mallory')
    const forged = await signWith(mallory, unsignedEntry())
    forged.signature.key_id = alice.keyId
    expectRejected(await verifyFile(writeEntry(dir, 'e.json', forged)), /signature: does not match the content for key 'alice'/)
  })

  it('an unknown signer', async () => {
    const mallory = await makeSigner(join(dir, 'mallory'), 'mallory')
    const entry = await signWith(mallory, unsignedEntry())
    expectRejected(await verifyFile(writeEntry(dir, 'e.json', entry)), /unknown signer [0-9a-f]{16}… \(not in keyring/)
  })

  it('an unsigned entry', async () => {
    expectRejected(await verifyFile(writeEntry(dir, 'e.json', unsignedEntry())), /signature: missing/)
  })

  it('a signature that is not 64 bytes of base64', async () => {
    const entry = await signWith(alice, unsignedEntry())
    entry.signature.value = entry.signature.value.slice(4)
    expectRejected(await verifyFile(writeEntry(dir, 'e.json', entry)), /signature.value: expected the base64 of a 64-byte ed25519 signature/)
  })
})

describe('malformed or dishonest entries are rejected even when properly signed', () => {
  it('a recipe hash that is not the scale\'s', async () => {
    expectRejected(await verifySigned((e) => (e.recipe_hash = hex('my own recipe'))), /recipe: recipe_hash: [0-9a-f]{16}… is not the frozen recipe of datacomp small/)
  })

  it('another scale\'s recipe hash', async () => {
    const medium = unsignedEntry({scale: 'medium'})
    expectRejected(await verifySigned((e) => (e.recipe_hash = medium.recipe_hash)), /is not the frozen recipe of datacomp small/)
  })

  it('missing tasks', async () => {
    expectRejected(
      await verifySigned((e) => {
        delete e.eval.tasks['vtab/dtd']
        delete e.eval.tasks['fairness/geode']
      }),
      /eval.tasks: missing 2 of the 38 tasks of datacomp-38: vtab\/dtd, fairness\/geode/,
    )
  })

  it('a task the suite does not have', async () => {
    expectRejected(await verifySigned((e) => (e.eval.tasks.extra_task = 0.5)), /eval.tasks: 1 task\(s\) not in datacomp-38: extra_task/)
  })

  it('a score above 1', async () => {
    expectRejected(await verifySigned((e) => (e.eval.tasks.imagenet1k = 1.2)), /eval.tasks.imagenet1k: 1.2 is outside \[0, 1\]/)
  })

  it('a negative score', async () => {
    expectRejected(await verifySigned((e) => (e.eval.tasks.mnist = -0.01)), /eval.tasks.mnist: -0.01 is outside \[0, 1\]/)
  })

  it('a score given as a percentage string', async () => {
    expectRejected(await verifySigned((e) => ((e.eval.tasks as any).cars = '63.2%')), /schema: eval.tasks.cars: .*number/)
  })

  it('an aggregate that differs from the one recomputed from the tasks', async () => {
    expectRejected(
      await verifySigned((e) => (e.eval.aggregates.Average = (e.eval.aggregates.Average as number) + 0.01)),
      /aggregates: eval.aggregates.Average: received [0-9.]+, recomputed from the per-task scores with the datacomp-38 aggregator [0-9.]+/,
    )
  })

  it('a missing aggregate', async () => {
    expectRejected(await verifySigned((e) => delete e.eval.aggregates.VTAB), /eval.aggregates.VTAB: missing/)
  })

  it('an aggregate the suite does not produce', async () => {
    expectRejected(await verifySigned((e) => (e.eval.aggregates.Best = 0.99)), /eval.aggregates: Best not produced/)
  })

  it('an unsupported schema version', async () => {
    expectRejected(await verifySigned((e) => ((e as any).format_version = 3)), /format_version: received 3, this dcbench reads versions 1 and 2 \(writes 2\)/)
  })

  it('a run entry with an external_model block, and run: null without one', async () => {
    const external = {checkpoint_sha256: 'c'.repeat(64), export_image_digest: `sha256:${'d'.repeat(64)}`}
    expectRejected(await verifySigned((e) => ((e as any).external_model = external)), /external_model: an entry of a dcbench run has no external_model/)
    expectRejected(await verifySigned((e) => ((e as any).run = null)), /external_model: run is null, so the entry must name its external_model/)
  })

  it('a file that is not a dcbench entry', async () => {
    expectRejected(await verifySigned((e) => ((e as any).format = 'datacomp-submission')), /format: received "datacomp-submission", expected "dcbench-leaderboard-entry"/)
  })

  it('an unknown scale', async () => {
    expectRejected(await verifySigned((e) => (e.scale = 'huge')), /unknown datacomp scale 'huge'; valid: .*small/)
  })

  it('an unknown track', async () => {
    expectRejected(await verifySigned((e) => (e.track = 'mixing')), /unknown datacomp track 'mixing'; valid: filtering, byod/)
  })

  it('a filtering entry without a pool index', async () => {
    expectRejected(await verifySigned((e) => (e.data.pool_index_sha256 = null)), /data.pool_index_sha256: null, but the filtering track needs/)
  })

  it('a docker run without an image digest', async () => {
    expectRejected(await verifySigned((e) => (e.run!.container_image_digest = null)), /run.container_image_digest: null, but a docker run/)
  })

  it('a run that finished before it started', async () => {
    expectRejected(await verifySigned((e) => (e.run!.finished_at = '2024-12-31T00:00:00Z')), /run.finished_at .* is before run.started_at/)
  })

  it('results of another suite than the scale\'s', async () => {
    expectRejected(await verifySigned((e) => (e.eval.suite = 'dclm-53')), /eval.suite: received 'dclm-53', the datacomp small recipe is evaluated on 'datacomp-38'/)
  })

  it('a malformed subset fingerprint', async () => {
    expectRejected(await verifySigned((e) => (e.data.subset_fingerprint = 'abc')), /schema: data.subset_fingerprint: expected 64 lowercase hex/)
  })

  it('a method link that is not http(s)', async () => {
    expectRejected(await verifySigned((e) => (e.method.link = 'javascript:alert(1)')), /schema: method.link: expected an http\(s\) URL/)
  })

  it('a created_at that is not a date-time', async () => {
    expectRejected(await verifySigned((e) => (e.created_at = 'yesterday')), /schema: created_at: expected an ISO 8601 date-time/)
  })

  it('a file that is not JSON is unusable input (exit 2), naming the file', async () => {
    writeFileSync(join(dir, 'bad.json'), '{"format": "dcbench-leaderboard-entry",')
    await expect(verifyFile(join(dir, 'bad.json'))).rejects.toMatchObject({code: 'DCB_ENTRY_FILE', exitCode: 2, message: expect.stringMatching(/bad.json: not valid JSON/)})
  })
})

describe('board rules', () => {
  async function add(entry: SignedEntry, name = 'entry.json'): Promise<unknown> {
    return addEntry({entryFile: writeEntry(dir, name, entry), boardDir: join(dir, 'board'), keyringDir: join(dir, 'ring'), suites: testSuites})
  }

  it('a duplicate of an entry already on the board', async () => {
    const entry = await signWith(alice, unsignedEntry())
    await add(entry)
    await expect(add(entry, 'again.json')).rejects.toMatchObject({code: 'DCB_ENTRY_DUPLICATE', exitCode: 1, message: expect.stringMatching(/again.json: rejected: duplicate: this entry \([0-9a-f]{12}…\) is already on the board/)})
  })

  it('a second entry for the same run, re-signed with another timestamp', async () => {
    await add(await signWith(alice, unsignedEntry()))
    const resubmitted = unsignedEntry()
    resubmitted.created_at = '2025-02-01T00:00:00Z'
    resubmitted.method.name = 'renamed'
    await expect(add(await signWith(alice, resubmitted), 'b.json')).rejects.toThrow(/duplicate: entry [0-9a-f]{12}… by 'alice' already reports the same run/)
  })

  it('an entry that fails verification never reaches the board', async () => {
    const entry = unsignedEntry()
    entry.eval.tasks.cars = 2
    await expect(add(await signWith(alice, entry))).rejects.toMatchObject({code: 'DCB_ENTRY_REJECTED', exitCode: 1, message: expect.stringMatching(/entry.json: rejected: eval.tasks.cars: 2 is outside \[0, 1\]/)})
    expect(() => readFileSync(join(dir, 'board/entries.jsonl'), 'utf8')).toThrow()
  })
})

/** Changes one byte of a JSON leaf value, keeping its type. */
function changeOneByte(value: unknown): unknown {
  if (typeof value === 'string') {
    const i = Math.max(0, value.length - 2)
    const c = value.charCodeAt(i)
    return value.slice(0, i) + String.fromCharCode(c === 0x30 ? 0x31 : c ^ 1) + value.slice(i + 1)
  }
  if (typeof value === 'number') {
    // Change a leading significant digit of the number's text (a trailing one may round back to the same double).
    const text = String(value)
    let i = Math.min(3, text.length - 1)
    while (!/[0-9]/.test(text[i] as string)) i--
    const digit = Number(text[i])
    return Number(text.slice(0, i) + String((digit + 1) % 10) + text.slice(i + 1))
  }
  if (typeof value === 'boolean') return !value
  if (value === null) return 0
  throw new Error(`unexpected leaf ${String(value)}`)
}
