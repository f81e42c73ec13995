import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {isCamelCaseKey} from '../../../src/cli/json-keys.js'
import {writeBoardFixture} from '../../helpers/board-fixture.js'
import {runBench} from '../../helpers/cli.js'
import {makeSigner, signWith, unsignedEntry, writeEntry} from '../../helpers/leaderboard.js'

/**
 * Every key of a JSON document that is a field name, not data. Maps keyed by data (task keys,
 * aggregate names, filter qualities, seconds per step, file names) are walked for their values only:
 * their keys come from the inputs, so they are left out by construction.
 */
const DATA_MAPS = new Set(['aggregates', 'tasks', 'qualities', 'seconds', 'metrics', 'files', 'model_config', 'hyperparameters', 'boards', 'scores', 'accuracies'])

function fieldKeys(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => fieldKeys(v, `${path}[${i}]`))
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, inner]) => {
    const here = `${path}.${key}`
    if (DATA_MAPS.has(key) && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      return Object.entries(inner).flatMap(([k, v]) => fieldKeys(v, `${here}[${JSON.stringify(k)}]`))
    }
    return [here, ...fieldKeys(inner, here)]
  })
}

let dir: string
const outputs: {command: string; exitCode: number; json: unknown}[] = []

/** Runs one command with --json, checks its exit code and keeps its document for the key walk. */
async function json(args: string[], exitCode: number | 'any' = 0): Promise<unknown> {
  const result = await runBench([...args, '--json'])
  if (exitCode !== 'any') expect(result.exitCode, `bench ${args.join(' ')}: ${result.stdout.slice(0, 400)}`).toBe(exitCode)
  let parsed: unknown
  try {
    parsed = JSON.parse(result.stdout)
  } catch {
    throw new Error(`bench ${args.join(' ')} --json printed no single JSON document (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`)
  }
  outputs.push({command: args.slice(0, 2).filter((a) => !a.startsWith('-') && !a.includes('/')).join(' '), exitCode: result.exitCode, json: parsed})
  return parsed
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcbench-json-keys-'))
  const pool = join(dir, 'pool')
  await json(['tracks', 'list'])
  await json(['tracks', 'show', '--benchmark', 'datacomp', '--scale', 'small'])
  await json(['errors'])
  await json(['errors', 'pool_input'])
  await json(['doctor'], 'any') // exits 1 on a machine without a trainer: its JSON is the same shape
  await json(['pool', 'synth', '--benchmark', 'dclm', '--scale', 'tiny', '--out', pool])
  await json(['pool', 'index', pool, '--out', join(dir, 'pool.uidx')])
  await json(['filter', '--benchmark', 'dclm', '--filter', 'oracle', '--pool', pool, '--out', join(dir, 'oracle.npy')])
  await json(['subset', 'validate', join(dir, 'oracle.npy'), '--benchmark', 'dclm', '--scale', 'tiny', '--pool-index', join(dir, 'pool.uidx')])
  await json(['subset', 'convert', join(dir, 'oracle.npy'), join(dir, 'oracle.csv')])
  await json(['reshard', '--benchmark', 'dclm', '--scale', 'tiny', '--subset', join(dir, 'oracle.npy'), '--pool', pool, '--out', join(dir, 'resharded')])
  mkdirSync(join(dir, 'eval-data'))
  await json(['eval', 'fetch', '--benchmark', 'datacomp', '--offline', '--data', join(dir, 'eval-data')], 1)
  const keys = (await json(['keys', 'generate', '--out', join(dir, 'keys'), '--name', 'alice'])) as {public_key_file: string}
  await json(['keys', 'trust', keys.public_key_file, '--keyring', join(dir, 'ring')])
  const signer = await makeSigner(join(dir, 'signer'), 'bob')
  const entry = writeEntry(dir, 'entry.json', await signWith(signer, unsignedEntry()))
  await json(['verify', entry, '--keyring', join(dir, 'ring')], 1) // bob's key is not in the keyring: a failed check, still one document
  const {boardDir} = await writeBoardFixture(join(dir, 'board'), [{seed: 1}, {seed: 2}], [1])
  await json(['leaderboard', 'publish', '--board', boardDir, '--out', join(dir, 'site')])
  const rows = ['name,params,tokens,loss,error', ...[1e7, 3e7, 1e8, 3e8].flatMap((n) => [20, 320].map((m) => `n${n}-m${m},${n},${n * m},${2 + 100 / n ** 0.3},${0.9 - 0.1 * Math.log10(n) / 8}`))]
  writeFileSync(join(dir, 'rows.csv'), `${rows.join('\n')}\n`)
  await json(['predict', 'fit', '--runs', join(dir, 'rows.csv'), '--out', join(dir, 'law.json')])
  // errors, from the library and from oclif's parser, are JSON documents too
  await json(['subset', 'validate', join(dir, 'missing.npy'), '--benchmark', 'dclm', '--scale', 'tiny', '--pool-index', join(dir, 'pool.uidx')], 2)
  await json(['tracks', 'show', '--benchmark', 'dclm'], 2)
}, 600_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('--json has one key style, snake_case, across commands (issue 18)', () => {
  it('ran every command it meant to, each printing one JSON document', () => {
    expect(outputs).toHaveLength(19)
  })

  it('no command prints a camelCase field name', () => {
    const camel = outputs.flatMap(({command, json}) => fieldKeys(json).filter((path) => isCamelCaseKey(path.split('.').at(-1)!)).map((path) => `${command}: ${path}`))
    expect(camel).toEqual([])
  })

  it('an error document says exit_code', () => {
    const errors = outputs.filter((o) => o.exitCode !== 0).map((o) => o.json as {error?: Record<string, unknown>})
    expect(errors.length).toBeGreaterThan(0)
    for (const e of errors) if (e.error) expect(Object.keys(e.error)).toEqual(['code', 'message', 'exit_code', 'suggestions'])
  })
})
