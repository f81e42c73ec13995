import {execFileSync} from 'node:child_process'
import {closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {UID_RECORD_WORDS, writeUidHex, writeUidIndex} from '../../../src/pool/index.js'
import {uidNpyHeader} from '../../../src/subset/index.js'
import {expectBoundedOutcome, runBenchBounded} from '../../helpers/bounded-run.js'

/**
 * Issue 17: pools and pool indexes built to corrupt, exhaust or hang their readers — a `.uidx` whose
 * records no longer match their stored sha256, a shard tar with a 1.5 GiB member, DCLM lines of
 * 1.25 and 2.7 GiB (plain, zstd and gzip), a FIFO as a pool file, a 1.5 GiB `_stats.json`. Each must end
 * within 1 GiB peak RSS and 60 s, with exit 0 where the input is usable and one error line otherwise.
 */

const GIB = 2 ** 30
const UIDS = ['00000000000000000000000000000001', '0000000000000000000000000000abcd', '7fffffffffffffffffffffffffffffff', 'ffffffffffffffffffffffffffffffff']

let dir: string

/** A ustar header block for a regular file of `size` bytes (the checksum computed as tar does). */
function tarHeader(name: string, size: number): Buffer {
  const block = Buffer.alloc(512)
  block.write(name, 0, 'utf8')
  block.write('0000644\0', 100)
  block.write('0000000\0', 108)
  block.write('0000000\0', 116)
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124)
  block.write('00000000000\0', 136)
  block.write('        ', 148)
  block.write('0', 156)
  block.write('ustar\0', 257)
  block.write('00', 263)
  let sum = 0
  for (const byte of block) sum += byte
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return block
}

/** A tar of members [name, size, data?]: members without data are left sparse (zeros, no disk). */
function writeTar(file: string, members: [string, number, Buffer?][]): void {
  const fd = openSync(file, 'w')
  let at = 0
  for (const [name, size, data] of members) {
    writeSync(fd, tarHeader(name, size), 0, 512, at)
    if (data) writeSync(fd, data, 0, data.length, at + 512)
    at += 512 + Math.ceil(size / 512) * 512
  }
  closeSync(fd)
  truncateSync(file, at + 1024)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcbench-hostile-pools-'))
  // an index of four uids, and copies with one record bit flipped: in the first record, and in the last
  const records = new Uint32Array(UIDS.length * UID_RECORD_WORDS)
  UIDS.forEach((uid, i) => writeUidHex(uid, records, i))
  await writeUidIndex({out: join(dir, 'pool.uidx'), kind: 'datacomp', records: (async function* () { yield records })()})
  const index = readFileSync(join(dir, 'pool.uidx'))
  const flip = (name: string, byte: number): void => {
    const copy = Buffer.from(index)
    copy[byte] = (copy[byte] as number) ^ 0x01
    writeFileSync(join(dir, name), copy)
  }
  flip('flipped-first.uidx', 64)
  flip('flipped-last.uidx', index.length - 1)
  // a subset of the first uid only: a merge-join needs no more of the index than its first record
  const first = new Uint32Array(UID_RECORD_WORDS)
  writeUidHex(UIDS[0] as string, first, 0)
  writeFileSync(join(dir, 'first.npy'), Buffer.concat([uidNpyHeader(1), Buffer.from(first.buffer)]))

  // DataComp shards: a 1.5 GiB image before the sample's json; a 1.5 GiB json
  const json = Buffer.from(JSON.stringify({uid: UIDS[1], key: '000000000000'}))
  mkdirSync(join(dir, 'big-image/shards'), {recursive: true})
  writeTar(join(dir, 'big-image/shards/00000000.tar'), [['000000000000.jpg', 1.5 * GIB], ['000000000000.json', json.length, json]])
  writeFileSync(join(dir, 'big-image/shards/00000000_stats.json'), '{"successes": 1}\n')
  writeFileSync(join(dir, 'big-image/pool.json'), '{"benchmark": "datacomp", "scale": "tiny"}\n')
  mkdirSync(join(dir, 'big-json'), {recursive: true})
  writeTar(join(dir, 'big-json/00000000.tar'), [['000000000000.json', 1.5 * GIB, Buffer.from('{"uid": "')]])
  // a shard whose stats file is 1.5 GiB
  mkdirSync(join(dir, 'big-stats/shards'), {recursive: true})
  writeTar(join(dir, 'big-stats/shards/00000000.tar'), [['000000000000.json', json.length, json]])
  writeFileSync(join(dir, 'big-stats/shards/00000000_stats.json'), '{"successes": 1')
  truncateSync(join(dir, 'big-stats/shards/00000000_stats.json'), 1.5 * GIB)
  writeFileSync(join(dir, 'big-stats/pool.json'), '{"benchmark": "datacomp", "scale": "tiny"}\n')
  writeFileSync(join(dir, 'subset.csv'), `uid\n${UIDS[1]}\n`)

  // DCLM: a 1.25 GiB line (sparse), and a 2.7 GiB line compressed by zstd to a few hundred KiB
  writeFileSync(join(dir, 'long-line.jsonl'), '{"text": "')
  truncateSync(join(dir, 'long-line.jsonl'), 1.25 * GIB)
  writeFileSync(join(dir, 'longer-line.raw'), '{"text": "')
  truncateSync(join(dir, 'longer-line.raw'), Math.floor(2.7 * GIB))
  execFileSync('zstd', ['-q', '-1', join(dir, 'longer-line.raw'), '-o', join(dir, 'longer-line.jsonl.zst')])
  execFileSync('gzip', ['-1', '-k', '-c', join(dir, 'longer-line.raw')], {stdio: ['ignore', openSync(join(dir, 'longer-line.jsonl.gz'), 'w'), 'inherit']})
  rmSync(join(dir, 'longer-line.raw'))
  execFileSync('mkfifo', [join(dir, 'fifo.jsonl')])
  execFileSync('mkfifo', [join(dir, 'fifo.csv')])
}, 120_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

const validate = (index: string): string[] => ['subset', 'validate', 'first.npy', '--benchmark', 'datacomp', '--scale', 'tiny', '--pool-index', index]

/** [name, args, exit code, pattern of the error line (or of stdout, for exit 0)]. */
const HOSTILE: [string, string[], number, RegExp][] = [
  ['a .uidx with a bit flipped in the first record', validate('flipped-first.uidx'), 2, /DCB_POOL_INDEX\].*flipped-first\.uidx: the sha256 of its records .* differs from the .* its header stores/],
  ['a .uidx with a bit flipped in the last record, past what the merge-join reads', validate('flipped-last.uidx'), 2, /DCB_POOL_INDEX\].*flipped-last\.uidx: the sha256 of its records/],
  ['a shard with a 1.5 GiB image: pool index streams past it', ['pool', 'index', 'big-image', '--out', 'big-image.uidx', '--json'], 0, /"count": 1/],
  ['a shard with a 1.5 GiB image: reshard refuses it', ['reshard', '--benchmark', 'datacomp', '--subset', 'subset.csv', '--pool', 'big-image', '--out', 'out-big-image'], 2, /DCB_POOL_INPUT\].*member 000000000000\.jpg is 1610612736 bytes, more than the \d+ /],
  ['a shard with a 1.5 GiB json member', ['pool', 'index', 'big-json', '--out', 'big-json.uidx'], 2, /DCB_POOL_INPUT\].*member 000000000000\.json is 1610612736 bytes, more than the \d+ /],
  ['a 1.5 GiB _stats.json', ['reshard', '--benchmark', 'datacomp', '--subset', 'subset.csv', '--pool', 'big-stats', '--out', 'out-big-stats'], 2, /DCB_POOL_INPUT\].*00000000_stats\.json: 1610612736 bytes, more than the \d+ /],
  ['a DCLM line of 1.25 GiB', ['pool', 'index', 'long-line.jsonl', '--out', 'long.uidx'], 2, /DCB_POOL_INPUT\].*long-line\.jsonl, line 1: longer than \d+ bytes/],
  ['a DCLM line of 2.7 GiB inside 3 MB of zstd', ['pool', 'index', 'longer-line.jsonl.zst', '--out', 'longer.uidx'], 2, /DCB_POOL_INPUT\].*longer-line\.jsonl\.zst, line 1: longer than \d+ bytes/],
  ['a DCLM line of 2.7 GiB inside 3 MB of gzip', ['pool', 'index', 'longer-line.jsonl.gz', '--out', 'longer-gz.uidx'], 2, /DCB_POOL_INPUT\].*longer-line\.jsonl\.gz, line 1: longer than \d+ bytes/],
  ['a FIFO as DCLM documents', ['pool', 'index', 'fifo.jsonl', '--out', 'fifo.uidx'], 2, /DCB_POOL_INPUT\].*fifo\.jsonl: not a regular file \(a FIFO\)/],
  ['a FIFO as DataComp metadata', ['pool', 'index', 'fifo.csv', '--out', 'fifo.uidx'], 2, /DCB_POOL_INPUT\].*fifo\.csv: not a regular file \(a FIFO\)/],
]

describe('hostile pools and pool indexes: bounded memory and time, never exit 70', () => {
  it.for(HOSTILE)('%s', async ([, args, exitCode, pattern]) => {
    expectBoundedOutcome(await runBenchBounded(args, {cwd: dir}), exitCode, pattern)
  })

  it('still accepts the index whose records match their sha256', async () => {
    const run = await runBenchBounded(validate('pool.uidx'), {cwd: dir})
    expect(run.exitCode, run.stderr).toBe(0)
  })
})
