import {createHash} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {defaultSuites, generateKeys, loadPrivateKey, signEntry, trustKey, type SignedEntry, type SuiteResolver, type SuiteScoring, type UnsignedEntry} from '../../src/leaderboard/index.js'
import {getRecipe} from '../../src/tracks/index.js'

/**
 * A stand-in eval suite for tests of the leaderboard's own logic (signing, rules, boards, publishing),
 * which does not depend on what a suite's tasks are. It is registered under the recipes' suite names
 * so entries for real scales verify; its aggregator is a plain mean, NOT the DataComp or DCLM
 * aggregation — tests of real aggregates use the eval modules' suites.
 */
export function standInSuite(suite: string, benchmark: 'datacomp' | 'dclm', taskCount: number): SuiteScoring {
  const tasks = Array.from({length: taskCount}, (_, i) => ({key: `task_${String(i + 1).padStart(2, '0')}`, name: `Task ${i + 1}`}))
  return {
    benchmark,
    suite,
    version: 'stand-in-1',
    tasks,
    headline: 'Average',
    columns: [
      {key: 'First', label: 'First task'},
      {key: 'Average', label: 'Average'},
    ],
    aggregate(scores) {
      const values = tasks.map((t) => scores[t.key] as number)
      return {First: values[0] as number, Average: values.reduce((a, b) => a + b, 0) / values.length}
    },
    async readResults(file) {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>
    },
    async readModelHash() {
      return undefined
    },
    companionFiles: () => [],
  }
}

const STAND_INS: Record<string, SuiteScoring> = {
  'dclm-53': standInSuite('dclm-53', 'dclm', 53),
}

/**
 * The suites tests use: dcbench's own (datacomp-38 with the real DataComp aggregator) and, until the
 * DCLM eval module lands, a stand-in for dclm-53.
 */
export const testSuites: SuiteResolver = (suite) => defaultSuites(suite) ?? STAND_INS[suite]

export function hex(seed: string): string {
  return createHash('sha256').update(seed).digest('hex')
}

export interface EntryFixtureOptions {
  benchmark?: 'datacomp' | 'dclm'
  scale?: string
  track?: string
  /** Distinguishes entries (changes the run, subset and scores). */
  seed?: number
  method?: string
  subsetSize?: number
}

/** A complete, consistent unsigned entry for a real scale: every task of its suite, aggregates as its aggregator computes them. */
export function unsignedEntry(options: EntryFixtureOptions = {}): UnsignedEntry {
  const benchmark = options.benchmark ?? 'datacomp'
  const scale = options.scale ?? (benchmark === 'datacomp' ? 'small' : '400m-1x')
  const track = options.track ?? 'filtering'
  const seed = options.seed ?? 1
  const recipe = getRecipe({benchmark, scale, track})
  const suite = testSuites(recipe.recipe.eval_suite) as SuiteScoring
  // Deterministic, distinct scores in [0.05, 0.95].
  const tasks = Object.fromEntries(suite.tasks.map((t, i) => [t.key, 0.05 + (((seed * 7919 + i * 104729) % 9000) / 10000)]))
  return {
    format: 'dcbench-leaderboard-entry',
    format_version: 2,
    benchmark,
    scale,
    track,
    // signWith puts the signing key's id here.
    submitter: {key_id: '0'.repeat(64)},
    method: {name: options.method ?? `method-${seed}`, description: `filter number ${seed}`, link: `https://example.org/method/${seed}`},
    data: {subset_fingerprint: hex(`subset-${seed}`), subset_size: options.subsetSize ?? 1000 * seed + 17, pool_index_sha256: hex(`pool-${scale}`)},
    recipe_hash: recipe.hash,
    run: {
      manifest_sha256: hex(`run-${seed}`),
      executor: 'docker',
      container_image_digest: `sha256:${hex('image')}`,
      started_at: '2025-01-01T00:00:00.000Z',
      finished_at: '2025-01-01T02:00:00.000Z',
    },
    model: fixtureModel(`model-${seed}`),
    eval: {suite: suite.suite, suite_version: suite.version, results_sha256: hex(`eval-${seed}`), tasks, aggregates: suite.aggregate(tasks)},
    harness_version: '0.1.0',
    created_at: `2025-01-02T00:00:${String(seed % 60).padStart(2, '0')}.000Z`,
  }
}

export interface SignerFixture {
  dir: string
  keyFile: string
  pubFile: string
  keyId: string
}

/** Generates a key pair in `dir`. */
export async function makeSigner(dir: string, name = 'alice'): Promise<SignerFixture> {
  const keys = await generateKeys({outDir: dir, name})
  return {dir, keyFile: keys.privateKeyFile, pubFile: keys.publicKeyFile, keyId: keys.keyId}
}

/** Signs an entry as its submitter: the entry names the signing key (`submitter.key_id`). */
export async function signWith(signer: SignerFixture, entry: UnsignedEntry): Promise<SignedEntry> {
  return signEntry({...entry, submitter: {...entry.submitter, key_id: signer.keyId}}, await loadPrivateKey(signer.keyFile))
}

/** A model block naming made-up files (entries for tests that bring no model folder). */
export function fixtureModel(seed: string): {sha256: string; files: Record<string, string>} {
  const files = {'model.json': hex(`${seed}/model.json`), 'model.onnx': hex(`${seed}/model.onnx`)}
  return {sha256: createHash('sha256').update(JSON.stringify(files)).digest('hex'), files}
}

/** Writes an entry as `bench submit` does (pretty JSON). */
export function writeEntry(dir: string, name: string, entry: unknown): string {
  const file = join(dir, name)
  writeFileSync(file, `${JSON.stringify(entry, null, 2)}\n`)
  return file
}

/** A board folder whose keyring trusts a participant (`alice`) and an organizer (`datacomp-team`). */
export interface BoardFixture {
  dir: string
  board: string
  alice: SignerFixture
  organizer: SignerFixture
}

/** Makes the keys in `dir` and registers both in `dir/board/keyring`, the board's default keyring. */
export async function boardWithSigners(dir: string): Promise<BoardFixture> {
  const board = join(dir, 'board')
  const alice = await makeSigner(join(dir, 'alice'), 'alice')
  const organizer = await makeSigner(join(dir, 'org'), 'datacomp-team')
  await trustKey({publicKeyFile: alice.pubFile, keyringDir: join(board, 'keyring')})
  await trustKey({publicKeyFile: organizer.pubFile, keyringDir: join(board, 'keyring'), role: 'organizer'})
  return {dir, board, alice, organizer}
}
