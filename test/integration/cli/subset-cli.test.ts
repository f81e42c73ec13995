import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {parquetWriteBuffer} from 'hyparquet-writer'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {UID_RECORD_WORDS, writeUidHex, writeUidIndex} from '../../../src/pool/index.js'
import {dclmDocumentId} from '../../../src/benchmarks/dclm/documents.js'
import {findHostPython} from '../../../src/runner/host-python.js'
import {uidNpyHeader} from '../../../src/subset/index.js'
import {createRng} from '../../../src/util/rng.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'

/**
 * `bench subset validate` and `bench subset convert` through the built CLI, on files written by
 * numpy itself (Debian's python3-numpy, /usr/bin/python3) and on ≥ 30 malformed inputs made here,
 * each of which must give its one-line error and exit code.
 */

const POOL_SIZE = 300

async function numpyPython(): Promise<string> {
  const python = await findHostPython()
  if (!python?.numpy) throw new Error('no python3 with numpy found; run .ci/run (it installs python3-numpy) or set DCBENCH_PYTHON')
  return python.path
}

/** Written by numpy: valid subsets, the table fixtures with their expected np.save output, and malformed arrays. */
const NUMPY_FIXTURES = String.raw`
import sys, hashlib, json, numpy as np
d = sys.argv[1]
pool = np.fromfile(d + '/pool.uidx', dtype=np.dtype('u8,u8'), offset=64)
sub = pool[::3].copy()
np.save(d + '/ok.npy', sub)
with open(d + '/v2.npy', 'wb') as f: np.lib.format.write_array(f, sub, version=(2, 0))
with open(d + '/v3.npy', 'wb') as f: np.lib.format.write_array(f, sub, version=(3, 0))
sub.tofile(d + '/ok.raw')
rep = np.sort(np.concatenate([sub, sub[:5], sub[:2], sub[:2]]))
np.save(d + '/repeats.npy', rep)
# a table with a repeat column, rows shuffled, and what np.save writes for the same subset
rng = np.random.default_rng(7)
rows = pool[rng.choice(len(pool), 60, replace=False)]
reps = rng.integers(0, 4, len(rows))
with open(d + '/table.csv', 'w') as f:
    f.write('uid,repeat\n')
    for (hi, lo), k in zip(rows, reps): f.write('%016x%016x,%d\n' % (hi, lo, k))
expected = np.sort(np.repeat(rows, reps))
np.save(d + '/table-expected.npy', expected)
# malformed arrays
np.save(d + '/unsorted.npy', sub[::-1])
sub[::-1].tofile(d + '/unsorted.raw')
np.save(d + '/plain-u8.npy', sub.view('<u8').reshape(-1, 2))
np.save(d + '/big-endian.npy', sub.astype('>u8,>u8'))
np.save(d + '/fortran.npy', np.asfortranarray(sub[:20].reshape(4, 5)))
np.save(d + '/object.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)
np.save(d + '/two-d.npy', sub[:20].reshape(4, 5))
np.save(d + '/three-fields.npy', np.zeros(4, dtype='u8,u8,u8'))
np.save(d + '/field-names.npy', np.zeros(4, dtype=[('a', '<u8'), ('b', '<u8')]))
np.save(d + '/u4.npy', np.zeros(4, dtype='u4,u4'))
np.save(d + '/empty.npy', sub[:0])
np.save(d + '/stranger.npy', np.sort(np.concatenate([sub, np.array([(1, 2), (3, 4)], dtype='u8,u8')])))
print(json.dumps({
  'fingerprint': hashlib.sha256(np.sort(sub).tobytes()).hexdigest(),
  'repeats_fingerprint': hashlib.sha256(rep.tobytes()).hexdigest(),
  'table_fingerprint': hashlib.sha256(expected.tobytes()).hexdigest(),
  'count': len(sub),
  'table_unique': int((reps > 0).sum()),
  'table_samples': int(reps.sum()),
}))
`

interface NumpyFacts {
  fingerprint: string
  repeats_fingerprint: string
  table_fingerprint: string
  count: number
  table_unique: number
  table_samples: number
}

/** An npy file with any header text (padded as np.save pads it) and data. */
function npyWithHeader(dict: string, data: Uint8Array, version = 1): Buffer {
  const lengthBytes = version === 1 ? 2 : 4
  let text = dict
  while ((8 + lengthBytes + text.length + 1) % 64 !== 0) text += ' '
  text += '\n'
  const head = Buffer.alloc(8 + lengthBytes)
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head)
  if (version === 1) head.writeUInt16LE(text.length, 8)
  else head.writeUInt32LE(text.length, 8)
  return Buffer.concat([head, Buffer.from(text, 'latin1'), data])
}

const DICT = (shape: string, extra = ''): string => `{'descr': [('f0', '<u8'), ('f1', '<u8')], 'fortran_order': False, 'shape': ${shape}, ${extra}}`

let dir: string
let facts: NumpyFacts
let poolUids: string[]

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcbench-subset-cli-'))
  const rng = createRng('subset-cli')
  poolUids = Array.from({length: POOL_SIZE}, () => Array.from({length: 4}, () => rng.uint32().toString(16).padStart(8, '0')).join(''))
  writeFileSync(join(dir, 'metadata.csv'), `uid,url\n${poolUids.map((u, i) => `${u},http://example.com/${i}.jpg`).join('\n')}\n`)
  const indexed = await runBench(['pool', 'index', join(dir, 'metadata.csv'), '--out', join(dir, 'pool.uidx')])
  expect(indexed.exitCode, indexed.stderr).toBe(0)
  facts = JSON.parse((await execa(await numpyPython(), ['-c', NUMPY_FIXTURES, dir])).stdout) as NumpyFacts

  // a DCLM pool of a few documents and its index
  const docs = Array.from({length: 40}, (_, i) => ({url: `https://example.org/${i}`, text: `document number ${i} about the world`}))
  mkdirSync(join(dir, 'dclm'))
  writeFileSync(join(dir, 'dclm/docs.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n') + '\n')
  const dclmIndexed = await runBench(['pool', 'index', join(dir, 'dclm/docs.jsonl'), '--out', join(dir, 'dclm.uidx')])
  expect(dclmIndexed.exitCode, dclmIndexed.stderr).toBe(0)
  writeFileSync(join(dir, 'dclm-ids.csv'), `id\n${docs.slice(0, 10).map((d) => dclmDocumentId(d)).join('\n')}\n`)

  // an index larger than the tiny scale's pool (20,000), and a subset of all of it
  const big = new Uint32Array(20_001 * UID_RECORD_WORDS)
  for (let i = 0; i < 20_001; i++) writeUidHex(i.toString(16), big, i)
  await writeUidIndex({out: join(dir, 'big.uidx'), kind: 'datacomp', records: (async function* () { yield big })()})
  writeFileSync(join(dir, 'all-of-big.raw'), new Uint8Array(big.buffer))

  // malformed files made here
  const ok = readFileSync(join(dir, 'ok.npy'))
  const data = ok.subarray(128)
  const n = facts.count
  const write = (name: string, bytes: Uint8Array | string): void => writeFileSync(join(dir, name), bytes)
  write('truncated-data.npy', ok.subarray(0, ok.length - 8))
  write('truncated-header.npy', ok.subarray(0, 50))
  write('magic-only.npy', ok.subarray(0, 8))
  write('shape-too-small.npy', Buffer.concat([uidNpyHeader(n - 1), data]))
  write('shape-too-large.npy', Buffer.concat([uidNpyHeader(n + 5), data]))
  write('version-4.npy', Buffer.concat([ok.subarray(0, 6), Buffer.from([4, 0]), ok.subarray(8)]))
  write('header-garbage.npy', npyWithHeader('this is not a dict', data))
  write('header-list.npy', npyWithHeader("['descr', 'shape']", data))
  write('header-missing-key.npy', npyWithHeader(`{'descr': [('f0', '<u8'), ('f1', '<u8')], 'shape': (${n},), }`, data))
  write('header-extra-key.npy', npyWithHeader(DICT(`(${n},)`, "'extra': 1, "), data))
  write('shape-negative.npy', npyWithHeader(DICT('(-3,)'), data))
  write('fortran-flag-bad.npy', npyWithHeader(`{'descr': [('f0', '<u8'), ('f1', '<u8')], 'fortran_order': 0, 'shape': (${n},), }`, data))
  write('empty.raw', new Uint8Array(0))
  write('odd-size.raw', new Uint8Array(17).fill(1))
  write('no-uid.csv', 'url,repeat\nhttp://a,1\n')
  write('non-hex.csv', `uid\n${poolUids[0]}\nnot-a-uid\n`)
  write('too-long.csv', `uid\n${poolUids[0]}0\n`)
  write('empty.csv', '')
  write('ragged.csv', `uid,repeat\n${poolUids[0]},1,7\n`)
  write('negative-repeat.csv', `uid,repeat\n${poolUids[0]},1\n${poolUids[1]},-2\n`)
  write('fractional-repeat.csv', `uid,repeat\n${poolUids[0]},1.5\n`)
  write('word-repeat.csv', `uid,repeat\n${poolUids[0]},twice\n`)
  write('no-uid.parquet', new Uint8Array(parquetWriteBuffer({columnData: [{name: 'url', data: ['http://a'], type: 'STRING'}]})))
  write('garbage.parquet', 'PAR1 this is not parquet at all')
  write('non-hex.parquet', new Uint8Array(parquetWriteBuffer({columnData: [{name: 'uid', data: ['zz'], type: 'STRING'}]})))
  write('negative-repeat.parquet', new Uint8Array(parquetWriteBuffer({columnData: [{name: 'uid', data: [poolUids[0]], type: 'STRING'}, {name: 'repeat', data: [-3n], type: 'INT64'}]})))
  write('fractional-repeat.parquet', new Uint8Array(parquetWriteBuffer({columnData: [{name: 'uid', data: [poolUids[0]], type: 'STRING'}, {name: 'repeat', data: [0.5], type: 'DOUBLE'}]})))
  write('corrupt.uidx', 'DCBUIDY\0 and more')
  mkdirSync(join(dir, 'a-directory'))
}, 300_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** Arguments with paths relative to the fixture folder (every run below has it as cwd). */
const validateArgs = (file: string, extra: string[] = [], pool = 'pool.uidx'): string[] => ['subset', 'validate', file, '--benchmark', 'datacomp', '--scale', 'tiny', '--pool-index', pool, ...extra]
const bench = (args: string[]) => runBench(args, {cwd: dir})
const benchJson = <T,>(args: string[]) => runBenchJson<T>(args, {cwd: dir})

/** Unusable inputs: exit 2 and exactly one `error [CODE]: …` line naming the problem (hints aside). */
const UNUSABLE: [string, string[], RegExp][] = [
  ['truncated npy data', validateArgs('truncated-data.npy'), /truncated: the header declares \d+ uids/],
  ['truncated npy header', validateArgs('truncated-header.npy'), /truncated npy header/],
  ['npy magic and version only', validateArgs('magic-only.npy'), /not an npy file|truncated npy header/],
  ['header shape smaller than the data', validateArgs('shape-too-small.npy'), /16 bytes after the \d+ uids the header declares/],
  ['header shape larger than the data', validateArgs('shape-too-large.npy'), /truncated: the header declares \d+ uids/],
  ['npy format version 4.0', validateArgs('version-4.npy'), /npy format version 4\.0/],
  ['header text not a Python literal', validateArgs('header-garbage.npy'), /not a Python dict literal/],
  ['header a list, not a dict', validateArgs('header-list.npy'), /npy header is not a dict/],
  ['header without fortran_order', validateArgs('header-missing-key.npy'), /npy header keys are 'descr', 'shape'/],
  ['header with an extra key', validateArgs('header-extra-key.npy'), /npy header keys are/],
  ['negative shape', validateArgs('shape-negative.npy'), /shape \(-3,\) is not a tuple of non-negative integers/],
  ['fortran_order not a bool', validateArgs('fortran-flag-bad.npy'), /fortran_order is 0; expected True or False/],
  ['plain (N, 2) uint64 array (numpy)', validateArgs('plain-u8.npy'), /dtype '<u8': a plain 64-bit integer array/],
  ['big-endian fields (numpy)', validateArgs('big-endian.npy'), /field 'f0' is big-endian/],
  ['fortran order (numpy)', validateArgs('fortran.npy'), /fortran_order is True/],
  ['object array (numpy)', validateArgs('object.npy'), /an object array/],
  ['2-D structured array (numpy)', validateArgs('two-d.npy'), /is 2-D; expected a 1-D array/],
  ['three fields (numpy)', validateArgs('three-fields.npy'), /3 fields/],
  ['fields not named f0, f1 (numpy)', validateArgs('field-names.npy'), /field 0 is named 'a'/],
  ['uint32 fields (numpy)', validateArgs('u4.npy'), /has type '<u4'/],
  ['empty raw file', validateArgs('empty.raw'), /empty file \(0 bytes\)/],
  ['raw file not a multiple of 16 bytes', validateArgs('odd-size.raw'), /17 bytes is not a whole number of 16-byte uid records/],
  ['CSV without a uid column', validateArgs('no-uid.csv'), /no 'uid' or 'id' column; columns are 'url', 'repeat'/],
  ['CSV with a non-hex uid', validateArgs('non-hex.csv'), /line 3: uid "not-a-uid" is not 1–32 hex digits/],
  ['CSV with a 33-digit uid', validateArgs('too-long.csv'), /line 2: uid "[0-9a-f]{33}" is not 1–32 hex digits/],
  ['empty CSV file', validateArgs('empty.csv'), /columns are \(none\)/],
  ['CSV with a ragged row', validateArgs('ragged.csv'), /malformed CSV/],
  ['parquet without a uid column', validateArgs('no-uid.parquet'), /no 'uid' or 'id' column; columns are 'url'/],
  ['not a parquet file', validateArgs('garbage.parquet'), /not a readable parquet file/],
  ['parquet with a non-hex uid', validateArgs('non-hex.parquet'), /row 0: uid "zz" is not 1–32 hex digits/],
  ['subset file missing', validateArgs('missing.npy'), /missing\.npy: no such file/],
  ['subset is a directory', validateArgs('a-directory'), /is a directory/],
  ['unknown scale', ['subset', 'validate', 'x.npy', '--benchmark', 'datacomp', '--scale', 'huge', '--pool-index', 'p.uidx'], /unknown datacomp scale 'huge'; valid: .*tiny/],
  ['unknown benchmark', ['subset', 'validate', 'x.npy', '--benchmark', 'laion', '--scale', 'tiny', '--pool-index', 'p.uidx'], /unknown benchmark 'laion'/],
  ['pool index missing', ['subset', 'validate', 'ok.npy', '--benchmark', 'datacomp', '--scale', 'tiny', '--pool-index', 'nope.uidx'], /cannot read pool index .*nope\.uidx: no such file/],
  ['pool index corrupt', validateArgs('ok.npy', [], 'corrupt.uidx'), /not a dcbench uid index/],
  ['DCLM index for a DataComp subset', validateArgs('ok.npy', [], 'dclm.uidx'), /holds DCLM document ids, but the subset is validated for datacomp/],
  ['convert to an unknown format', ['subset', 'convert', 'ok.npy', 'out.bin', '--format', 'feather'], /unknown subset format 'feather'/],
  ['convert into a missing folder', ['subset', 'convert', 'ok.npy', 'no/such/dir/out.npy'], /^error \[DCB_PATH\]: OUT .*no\/such\/dir\/out\.npy: folder .*no\/such\/dir does not exist$/],
  ['convert a malformed input', ['subset', 'convert', 'big-endian.npy', 'out.npy'], /big-endian/],
  ['convert onto itself', ['subset', 'convert', 'ok.npy', 'ok.npy'], /is the input file/],
]

/** Usable but invalid: exit 1, the reason on an `invalid: …` line. */
const INVALID: [string, string[], RegExp][] = [
  ['unsorted npy (numpy)', validateArgs('unsorted.npy'), /not in ascending order: record 1 \([0-9a-f]{32}\) is smaller than record 0/],
  ['unsorted raw (numpy)', validateArgs('unsorted.raw'), /not in ascending order: record 1/],
  ['uids not in the pool (numpy)', validateArgs('stranger.npy'), /2 distinct uids \(2 samples\) are not in the pool index .*; first: 00000000000000010000000000000002, 00000000000000030000000000000004/],
  ['empty subset (numpy, shape (0,))', validateArgs('empty.npy'), /empty: the subset selects no samples/],
  ['negative repeat (CSV)', validateArgs('negative-repeat.csv'), /1 rows have a repeat that is not a non-negative integer; first: line 3: "-2"/],
  ['fractional repeat (CSV)', validateArgs('fractional-repeat.csv'), /first: line 2: "1\.5"/],
  ['non-numeric repeat (CSV)', validateArgs('word-repeat.csv'), /first: line 2: "twice"/],
  ['negative repeat (parquet)', validateArgs('negative-repeat.parquet'), /first: row 0: "-3"/],
  ['fractional repeat (parquet)', validateArgs('fractional-repeat.parquet'), /first: row 0: 0\.5/],
  ['more uids than the scale\'s pool', validateArgs('all-of-big.raw', [], 'big.uidx'), /20001 distinct uids exceed the tiny pool of 20000 \(tracks pool_size\)/],
]

describe('malformed subsets through the built CLI', () => {
  it('has at least 30 malformed inputs', () => {
    expect(UNUSABLE.length + INVALID.length).toBeGreaterThanOrEqual(30)
  })

  it.concurrent.for(UNUSABLE)('%s: exit 2 with a one-line error', async ([, args, pattern], {expect}) => {
    const result = await bench(args)
    const lines = result.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('  hint:'))
    expect(result.exitCode, result.stderr).toBe(2)
    expect(lines, result.stderr).toHaveLength(1)
    expect(lines[0]).toMatch(/^error \[DCB_[A-Z_]+\]: /)
    expect(lines[0]).toMatch(pattern)
    expect(result.stdout).toBe('')
  })

  it.concurrent.for(INVALID)('%s: exit 1 naming the reason', async ([, args, pattern], {expect}) => {
    const result = await bench(args)
    expect(result.exitCode, result.stderr).toBe(1)
    // the verdict goes to stdout, as "valid" does
    const invalid = result.stdout.split('\n').filter((l) => l.startsWith('invalid: '))
    expect(invalid.length, result.stderr).toBeGreaterThanOrEqual(1)
    expect(invalid.some((l) => pattern.test(l)), result.stderr).toBe(true)
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('lists every reason at once, and --json carries them', async () => {
    writeFileSync(join(dir, 'two-problems.csv'), `uid,repeat\n${poolUids[0]},-1\nabcdef,2\n`)
    const {exitCode, json} = await benchJson<{valid: boolean; reasons: string[]}>(validateArgs('two-problems.csv'))
    expect(exitCode).toBe(1)
    expect(json.valid).toBe(false)
    expect(json.reasons).toHaveLength(2)
    expect(json.reasons[0]).toMatch(/not in the pool index/)
    expect(json.reasons[1]).toMatch(/repeat that is not a non-negative integer/)
  })
})

describe('subsets written by numpy', () => {
  interface Report {
    valid: boolean
    format: string
    count: number
    samples_per_pass: number
    fingerprint: string
    fraction_of_pool: number
    repetition: {histogram: Record<string, number>; max_repeat: number; repeated_uids: number}
    epochs: {epochs: number | null; budget: number; budget_kind: string; note?: string}
    warnings: string[]
  }

  it('accepts np.save output, npy versions 2.0 and 3.0 and the raw memmap form, with one fingerprint: sha256 of the sorted array bytes', async () => {
    for (const [file, format] of [['ok.npy', 'npy'], ['v2.npy', 'npy'], ['v3.npy', 'npy'], ['ok.raw', 'raw']] as const) {
      const {exitCode, json} = await benchJson<Report>(validateArgs(file))
      expect(exitCode, file).toBe(0)
      expect(json).toMatchObject({valid: true, format, count: facts.count, samples_per_pass: facts.count, fingerprint: facts.fingerprint})
      expect(json.fraction_of_pool).toBeCloseTo(facts.count / 20_000, 12)
      expect(json.epochs).toMatchObject({budget_kind: 'samples_seen', budget: 64_000, epochs: 64_000 / facts.count})
    }
  })

  it('reports repeats as repetition, not errors: histogram, max, samples per pass, epochs past 10 warned', async () => {
    const {exitCode, json} = await benchJson<Report>(validateArgs('repeats.npy'))
    expect(exitCode).toBe(0)
    expect(json.samples_per_pass).toBe(facts.count + 9)
    expect(json.count).toBe(facts.count)
    expect(json.repetition).toMatchObject({max_repeat: 4, repeated_uids: 5, histogram: {'1': facts.count - 5, '2': 3, '4': 2}})
    expect(json.fingerprint).toBe(facts.repeats_fingerprint)
    expect(json.warnings.some((w) => /epochs over the subset .* past 10 epochs/.test(w))).toBe(true)
  })

  it('--sort writes a sorted copy, byte-identical to np.save of the sorted array, and then passes', async () => {
    const result = await bench(validateArgs('unsorted.npy', ['--sort', join(dir, 'resorted.npy')]))
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/warning: not in ascending order: record 1/)
    expect(readFileSync(join(dir, 'resorted.npy'))).toEqual(readFileSync(join(dir, 'ok.npy')))
  })

  it('convert: raw → npy is np.save of the same array; a shuffled CSV with repeats → npy is np.save of the sorted repeated array', async () => {
    const raw = await bench(['subset', 'convert', join(dir, 'ok.raw'), join(dir, 'from-raw.npy')])
    expect(raw.exitCode, raw.stderr).toBe(0)
    expect(readFileSync(join(dir, 'from-raw.npy'))).toEqual(readFileSync(join(dir, 'ok.npy')))
    const table = await benchJson<{fingerprint: string; unique: number; records: number; inputSorted: boolean}>(['subset', 'convert', join(dir, 'table.csv'), join(dir, 'from-table.npy')])
    expect(table.exitCode, table.stderr).toBe(0)
    expect(table.json).toMatchObject({fingerprint: facts.table_fingerprint, unique: facts.table_unique, records: facts.table_samples, input_sorted: false})
    expect(readFileSync(join(dir, 'from-table.npy'))).toEqual(readFileSync(join(dir, 'table-expected.npy')))
  })

  it('convert round trip npy → parquet → CSV → raw → npy keeps the bytes; numpy loads every npy output', async () => {
    const chain = ['repeats.npy', 'r.parquet', 'r.csv', 'r.bin', 'r.npy']
    for (let i = 1; i < chain.length; i++) {
      const step = await bench(['subset', 'convert', join(dir, chain[i - 1] as string), join(dir, chain[i] as string)])
      expect(step.exitCode, step.stderr).toBe(0)
    }
    expect(readFileSync(join(dir, 'r.npy'))).toEqual(readFileSync(join(dir, 'repeats.npy')))
    expect(readFileSync(join(dir, 'r.csv'), 'utf8').split('\n')[0]).toBe('uid,repeat')
    const checked = await execa(await numpyPython(), ['-c', 'import sys, numpy as np; a = np.load(sys.argv[1]); b = np.fromfile(sys.argv[2], dtype="u8,u8"); assert a.dtype == np.dtype("u8,u8") and (a == b).all(); print(len(a))', join(dir, 'r.npy'), join(dir, 'r.bin')])
    expect(Number(checked.stdout)).toBe(facts.count + 9)
    for (const file of ['r.parquet', 'r.csv', 'r.bin']) {
      const {json} = await benchJson<Report>(validateArgs(file))
      expect(json.fingerprint, file).toBe(facts.repeats_fingerprint)
    }
  })

  it('validates and converts a DCLM document id list (id column): epochs unknown without document lengths, said so', async () => {
    const args = ['subset', 'validate', join(dir, 'dclm-ids.csv'), '--benchmark', 'dclm', '--scale', 'tiny', '--pool-index', join(dir, 'dclm.uidx')]
    const {exitCode, json} = await benchJson<Report & {pool_size: number; pool_size_source: string}>(args)
    expect(exitCode).toBe(0)
    expect(json).toMatchObject({valid: true, count: 10, samples_per_pass: 10, pool_size: 40, pool_size_source: 'pool index', fraction_of_pool: 0.25})
    expect(json.epochs).toMatchObject({budget_kind: 'tokens', budget: 616_399, epochs: null})
    expect(json.epochs.note).toMatch(/epochs unknown: a document id list does not say how many tokens/)
    const converted = await bench(['subset', 'convert', join(dir, 'dclm-ids.csv'), join(dir, 'dclm-ids.parquet')])
    expect(converted.exitCode, converted.stderr).toBe(0)
    const again = await benchJson<Report>([...args.slice(0, 2), join(dir, 'dclm-ids.parquet'), ...args.slice(3)])
    expect(again.json.fingerprint).toBe(json.fingerprint)
    const ids = readFileSync(join(dir, 'dclm-ids.csv'), 'utf8').trim().split('\n').slice(1).sort()
    const records = new Uint32Array(ids.length * UID_RECORD_WORDS)
    ids.forEach((id, i) => writeUidHex(id, records, i))
    expect(json.fingerprint).toBe(createHash('sha256').update(new Uint8Array(records.buffer)).digest('hex'))
  })
})
