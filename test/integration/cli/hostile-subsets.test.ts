import {execFileSync} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {parquetWriteBuffer} from 'hyparquet-writer'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {UID_RECORD_WORDS, writeUidHex, writeUidIndex} from '../../../src/pool/index.js'
import {uidNpyHeader} from '../../../src/subset/index.js'
import {expectBoundedOutcome, MEMORY_BOUND_BYTES, runBenchBounded} from '../../helpers/bounded-run.js'

/**
 * Issue 17: subsets built to crash, hang or exhaust a reader. Each must end within the bounds (1 GiB
 * peak RSS, 60 s) with one `error [DCB_…]` line and exit 1 or 2 — never 70, never a hang. Sparse files
 * stand in for huge ones: they cost no disk, and a reader that reads them still pays the full time.
 */

const GIB = 2 ** 30
const POOL = ['00000000000000000000000000000001', '0000000000000000000000000000abcd', 'ffffffffffffffffffffffffffffffff']

let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcbench-hostile-subsets-'))
  const records = new Uint32Array(POOL.length * UID_RECORD_WORDS)
  POOL.forEach((uid, i) => writeUidHex(uid, records, i))
  await writeUidIndex({out: join(dir, 'pool.uidx'), kind: 'datacomp', records: (async function* () { yield records })()})
  const write = (name: string, data: string | Uint8Array): void => writeFileSync(join(dir, name), data)
  const [a, b] = POOL as [string, string]

  // npy header with a float in its shape: numpy refuses it (shape entries must be ints)
  const three = new Uint32Array(3 * UID_RECORD_WORDS)
  POOL.forEach((uid, i) => writeUidHex(uid, three, i))
  const header = uidNpyHeader(3).toString('latin1').replace("'shape': (3,), ", "'shape': (3.0,),")
  write('shape-float.npy', Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from(three.buffer)]))

  write('uid-twice.csv', `uid,uid\n${a},${b}\n`)
  write('uid-twice.parquet', new Uint8Array(parquetWriteBuffer({columnData: [{name: 'uid', data: [a], type: 'STRING'}, {name: 'uid', data: [b], type: 'STRING'}]})))
  write('repeat-2p53.csv', `uid,repeat\n${a},9007199254740993\n`)
  write('repeat-4e9.parquet', new Uint8Array(parquetWriteBuffer({columnData: [{name: 'uid', data: [a], type: 'STRING'}, {name: 'repeat', data: [4_000_000_000n], type: 'INT64'}]})))
  write('repeat-1e9.csv', `uid,repeat\n${a},1000000000\n`)
  write('repeat-1e8.csv', `uid,repeat\n${a},100000000\n`)
  write('repeats-add-up.csv', `uid,repeat\n${a},40000\n${b},30000\n`)

  // 10 GiB sparse files: a CSV of NUL bytes (no line end), an npy whose header declares every record, a raw file
  const sparse = (name: string, bytes: number, head?: Uint8Array): void => {
    const fd = openSync(join(dir, name), 'w')
    if (head) writeSync(fd, head)
    closeSync(fd)
    truncateSync(join(dir, name), bytes)
  }
  sparse('sparse-10g.csv', 10 * GIB)
  const records10g = (10 * GIB - 128) / 16
  sparse('sparse-10g.npy', 128 + records10g * 16, uidNpyHeader(records10g))
  sparse('sparse-10g.raw', 10 * GIB)
  execFileSync('mkfifo', [join(dir, 'fifo.npy')])
  execFileSync('mkfifo', [join(dir, 'fifo.csv')])
}, 60_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

const validate = (file: string, scale = 'tiny'): string[] => ['subset', 'validate', file, '--benchmark', 'datacomp', '--scale', scale, '--pool-index', 'pool.uidx']

/** [name, args, exit code, the error line]: each must also stay within 1 GiB and 60 s. */
const HOSTILE: [string, string[], number, RegExp][] = [
  ['an npy shape holding a float, (3.0,)', validate('shape-float.npy'), 2, /DCB_SUBSET_FORMAT\].*shape \(3\.0,\) is not a tuple of non-negative integers/],
  ['a CSV header naming uid twice', validate('uid-twice.csv'), 2, /DCB_SUBSET_FORMAT\].*column 'uid' appears twice/],
  ['a parquet file with two uid columns', validate('uid-twice.parquet'), 2, /DCB_SUBSET_FORMAT\].*column 'uid' appears twice/],
  ['a CSV repeat of 2^53 + 1', validate('repeat-2p53.csv'), 1, /DCB_SUBSET_TOO_LARGE\].*line 2: repeat 9007199254740993 .*64000/],
  ['a parquet repeat of 4e9', validate('repeat-4e9.parquet'), 1, /DCB_SUBSET_TOO_LARGE\].*row 0: repeat 4000000000 .*64000/],
  ['a CSV repeat of 1e9', validate('repeat-1e9.csv'), 1, /DCB_SUBSET_TOO_LARGE\].*line 2: repeat 1000000000 /],
  ['CSV repeats that add up past the budget', validate('repeats-add-up.csv'), 1, /DCB_SUBSET_TOO_LARGE\].*line 3: .*70000 records/],
  ['a 10 GiB sparse CSV without a line end', validate('sparse-10g.csv'), 2, /DCB_SUBSET_FORMAT\].*line 1 .*longer than/],
  ['a 10 GiB sparse npy', validate('sparse-10g.npy'), 1, /DCB_SUBSET_TOO_LARGE\].*671088632 records .*64000/],
  ['a 10 GiB sparse raw file', validate('sparse-10g.raw'), 1, /DCB_SUBSET_TOO_LARGE\].*671088640 records .*64000/],
  ['a FIFO named .npy', validate('fifo.npy'), 2, /DCB_SUBSET_FORMAT\].*fifo\.npy: not a regular file \(a FIFO\)/],
  ['a FIFO named .csv', validate('fifo.csv'), 2, /DCB_SUBSET_FORMAT\].*fifo\.csv: not a regular file \(a FIFO\)/],
  ['a FIFO given to subset convert', ['subset', 'convert', 'fifo.npy', 'out.npy'], 2, /DCB_SUBSET_FORMAT\].*not a regular file/],
  ['a CSV repeat of 2^53 + 1 given to subset convert', ['subset', 'convert', 'repeat-2p53.csv', 'out.npy'], 1, /DCB_SUBSET_TOO_LARGE\].*repeat 9007199254740993/],
]

describe('hostile subsets: bounded memory and time, one error line, never exit 70', () => {
  it.for(HOSTILE)('%s', async ([, args, exitCode, pattern]) => {
    expectBoundedOutcome(await runBenchBounded(args, {cwd: dir}), exitCode, pattern)
  })

  it('expands a repeat of 100 million at the medium scale in bounded memory (1.6 GB of records, streamed)', {timeout: 300_000}, async () => {
    const run = await runBenchBounded([...validate('repeat-1e8.csv', 'medium'), '--json'], {cwd: dir, timeoutMs: 300_000})
    expect(run.timedOut).toBe(false)
    expect(run.exitCode, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({valid: true, count: 1, samples_per_pass: 100_000_000})
    expect(run.peakRssBytes).toBeLessThan(MEMORY_BOUND_BYTES / 2)
  })
})
