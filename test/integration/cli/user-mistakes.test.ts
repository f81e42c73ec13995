import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runBench} from '../../helpers/cli.js'

/**
 * Issue 18, "Done when" line 2: the mistakes a newcomer makes — bad paths, wrong file kinds, missing
 * data, the wrong benchmark, mistyped commands and flags — each end with ONE `error [DCB_…]` line
 * that names the problem, exit 1 or 2, never 70 (a bug) or a stack trace; and under --json the same
 * code as one JSON document on stdout.
 *
 * Rows marked `defect` fail today because of a defect that issue 18 lists and another branch
 * (ux-defects) fixes; they run as `it.fails` so that the fix turns them into failures to un-mark.
 */
interface Mistake {
  /** What the user did, as the test names it. */
  what: string
  /** The command line; `@` is replaced by the fixture folder. */
  args: string
  code: string
  exit: 1 | 2
  /** What the one error line must say (beyond the code). */
  says: RegExp
  /** The issue-18 defect (ux-defects' list) that makes this row fail today. */
  defect?: string
}

const P = '--benchmark dclm --scale tiny'
const MISTAKES: Mistake[] = [
  // mistyped commands and flags
  {what: 'a mistyped subcommand', args: 'subset valdate @/oracle.npy', code: 'DCB_UNKNOWN_COMMAND', exit: 2, says: /'subset valdate'; did you mean `subset validate`\?/},
  {what: 'a mistyped top-level command', args: 'evl', code: 'DCB_UNKNOWN_COMMAND', exit: 2, says: /'evl'; did you mean `eval`\?/},
  {what: 'a mistyped command with flags after it', args: 'trian --benchmark dclm', code: 'DCB_UNKNOWN_COMMAND', exit: 2, says: /did you mean `train`\?/},
  {what: 'a mistyped command in a topic', args: 'pool synt --benchmark dclm', code: 'DCB_UNKNOWN_COMMAND', exit: 2, says: /did you mean `pool synth`\?/},
  {what: 'help for a mistyped command', args: 'help evl', code: 'DCB_UNKNOWN_COMMAND', exit: 2, says: /did you mean `eval`\?/},
  {what: '--help on a mistyped command', args: 'tracks lst --help', code: 'DCB_UNKNOWN_COMMAND', exit: 2, says: /did you mean `tracks list`\?/},
  {what: 'a command that does not exist at all', args: 'frobnicate @/oracle.npy', code: 'DCB_UNKNOWN_COMMAND', exit: 2, says: /unknown command 'frobnicate'$/},
  {what: 'an argument to a command that takes none', args: 'tracks list extra', code: 'DCB_USAGE', exit: 2, says: /unexpected argument 'extra'/},
  {what: 'a mistyped flag', args: 'tracks show --benchmrk dclm --scale tiny', code: 'DCB_UNKNOWN_FLAG', exit: 2, says: /--benchmrk .*did you mean --benchmark\?/},
  {what: 'a mistyped flag with its value attached', args: `subset validate @/oracle.npy ${P} --pool-indx=@/pool.uidx`, code: 'DCB_UNKNOWN_FLAG', exit: 2, says: /--pool-indx .*did you mean --pool-index\?/},
  {what: 'no pool index for subset validate', args: `subset validate @/oracle.npy ${P}`, code: 'DCB_USAGE', exit: 2, says: /--pool-index/},
  {what: 'a flag of another command', args: 'submit --keyring x', code: 'DCB_UNKNOWN_FLAG', exit: 2, says: /--keyring for `bench submit`/},
  {what: 'a required flag left out', args: 'filter --benchmark dclm --filter oracle --pool @/pool', code: 'DCB_USAGE', exit: 2, says: /Missing required flag out/},
  {what: 'no benchmark', args: 'tracks show --scale tiny', code: 'DCB_USAGE', exit: 2, says: /Missing required flag benchmark/},
  {what: 'a negative size', args: 'filter --benchmark dclm --filter oracle --pool @/pool --out @/x.npy --size -5', code: 'DCB_USAGE', exit: 2, says: /--size.*-5/},
  {what: 'a frozen recipe field overridden', args: 'tracks show --benchmark datacomp --scale small --set lr=1', code: 'DCB_FROZEN_FIELD', exit: 2, says: /lr is frozen/},
  // the wrong benchmark, scale, track or name
  {what: 'an unknown benchmark', args: 'tracks show --benchmark clip --scale small', code: 'DCB_UNKNOWN_CHOICE', exit: 2, says: /unknown benchmark 'clip'; valid: datacomp, dclm/},
  {what: "a scale of the other benchmark", args: 'tracks show --benchmark dclm --scale small', code: 'DCB_UNKNOWN_CHOICE', exit: 2, says: /unknown dclm scale 'small'/},
  {what: "a track the benchmark lacks", args: 'tracks show --benchmark datacomp --scale small --track mixing', code: 'DCB_UNKNOWN_CHOICE', exit: 2, says: /datacomp track 'mixing'/},
  {what: 'pool synth for an unknown benchmark', args: 'pool synth --benchmark clip --scale tiny --out @/nowhere', code: 'DCB_UNKNOWN_CHOICE', exit: 2, says: /'clip'/},
  {what: 'a DCLM pool filtered as DataComp', args: 'filter --benchmark datacomp --filter oracle --pool @/pool --out @/x.npy', code: 'DCB_POOL_INPUT', exit: 2, says: /@\/pool: no \.tar shards/},
  {what: 'a DCLM index used to validate a DataComp subset', args: `subset validate @/oracle.npy --benchmark datacomp --scale tiny --pool-index @/pool.uidx`, code: 'DCB_POOL_INDEX', exit: 2, says: /holds DCLM document ids, but the subset is validated for datacomp/},
  {what: 'an unknown eval task', args: 'eval fetch --benchmark datacomp --tasks nope --offline --data @/empty', code: 'DCB_UNKNOWN_CHOICE', exit: 2, says: /unknown task 'nope'/},
  {what: 'an unknown filter name', args: 'filter --benchmark dclm --filter nosuchfilter --pool @/pool --out @/x.npy', code: 'DCB_FILTER_USAGE', exit: 2, says: /'nosuchfilter': not a built-in filter/},
  {what: 'an unknown error code', args: 'errors DCB_NOPE', code: 'DCB_UNKNOWN_CHOICE', exit: 2, says: /'DCB_NOPE'/},
  // bad paths
  {what: 'a subset that does not exist', args: `subset validate @/missing.npy ${P} --pool-index @/pool.uidx`, code: 'DCB_SUBSET_FORMAT', exit: 2, says: /@\/missing\.npy: no such file/},
  {what: 'a pool index that does not exist', args: `subset validate @/oracle.npy ${P} --pool-index @/missing.uidx`, code: 'DCB_POOL_INDEX', exit: 2, says: /@\/missing\.uidx: no such file/},
  {what: 'a pool that does not exist, to index', args: 'pool index @/missing --out @/x.uidx', code: 'DCB_POOL_INPUT', exit: 2, says: /@\/missing: no such file/},
  {what: 'a pool that does not exist, to filter', args: 'filter --benchmark dclm --filter oracle --pool @/missing --out @/x.npy', code: 'DCB_PATH', exit: 2, says: /--pool @\/missing: no such folder/},
  {what: 'a subset that does not exist, to reshard', args: `reshard ${P} --subset @/missing.npy --pool @/pool --out @/r1`, code: 'DCB_SUBSET_FORMAT', exit: 2, says: /@\/missing\.npy: no such file/},
  {what: 'an entry that does not exist', args: 'verify @/missing.json --keyring @/empty', code: 'DCB_ENTRY_FILE', exit: 2, says: /@\/missing\.json: file not found/},
  {what: 'a public key that does not exist', args: 'keys trust @/missing.pub --keyring @/ring', code: 'DCB_KEY_FILE', exit: 2, says: /@\/missing\.pub: file not found/},
  {what: 'a results file that does not exist', args: 'eval aggregate @/missing.jsonl --benchmark datacomp', code: 'DCB_RESULTS_FILE', exit: 2, says: /@\/missing\.jsonl: file not found/},
  {what: 'a board that does not exist', args: 'leaderboard publish --board @/missing --out @/site', code: 'DCB_BOARD', exit: 2, says: /@\/missing\/entries\.jsonl: no board here/},
  {what: 'a model folder that does not exist', args: 'eval --benchmark datacomp --scale small --model @/missing', code: 'DCB_MODEL_DIR', exit: 2, says: /@\/missing\/model\.json: not found/},
  {what: 'training data that does not exist', args: `train ${P} --data @/missing --out @/run1`, code: 'DCB_TRAIN_DATA', exit: 2, says: /@\/missing: no such folder/},
  {what: 'an output folder whose parent does not exist', args: 'pool index @/pool --out @/missing/dir/x.uidx', code: 'DCB_PATH', exit: 2, says: /@\/missing\/dir/},
  {what: 'an existing folder as the output file', args: 'subset convert @/oracle.npy @/full', code: 'DCB_PATH', exit: 2, says: /@\/full/},
  {what: 'doctor on a folder that does not exist', args: 'doctor --dir @/missing', code: 'DCB_PATH', exit: 2, says: /@\/missing/},
  {what: 'a parquet file as the pool folder', args: 'filter --benchmark datacomp --filter none --pool @/fake.parquet --out @/x.npy', code: 'DCB_PATH', exit: 2, says: /@\/fake\.parquet.*(folder|directory)/},
  {what: 'an existing non-empty folder as a new pool', args: `pool synth ${P} --out @/full`, code: 'DCB_OUTPUT_EXISTS', exit: 2, says: /@\/full already exists/},
  // wrong file kinds
  {what: 'a text file as a subset', args: `subset validate @/notes.txt ${P} --pool-index @/pool.uidx`, code: 'DCB_SUBSET_FORMAT', exit: 2, says: /@\/notes\.txt/},
  {what: 'a subset as the pool index', args: `subset validate @/oracle.npy ${P} --pool-index @/oracle.npy`, code: 'DCB_POOL_INDEX', exit: 2, says: /@\/oracle\.npy: not a dcbench uid index/},
  {what: 'a text file as a pool', args: 'pool index @/notes.txt --out @/y.uidx', code: 'DCB_POOL_INPUT', exit: 2, says: /@\/notes\.txt: unknown file type/},
  {what: 'a text file as an entry', args: 'verify @/notes.txt --keyring @/empty', code: 'DCB_ENTRY_FILE', exit: 2, says: /@\/notes\.txt: not valid JSON/},
  {what: 'a subset as an entry', args: 'verify @/oracle.npy --keyring @/empty', code: 'DCB_ENTRY_FILE', exit: 2, says: /@\/oracle\.npy: not valid JSON/},
  {what: 'a text file as an eval JSON', args: 'eval aggregate @/notes.txt --benchmark dclm', code: 'DCB_EVAL_FILE', exit: 2, says: /@\/notes\.txt: not JSON/},
  {what: 'a text file as scaling rows', args: 'predict fit --runs @/notes.txt --out @/law.json', code: 'DCB_PREDICT_ROWS', exit: 2, says: /@\/notes\.txt/},
  {what: 'a text file as a public key', args: 'keys trust @/notes.txt --keyring @/ring', code: 'DCB_KEY_FILE', exit: 2, says: /@\/notes\.txt: not a PEM public key/},
  {what: 'a text file as a subset to convert', args: 'subset convert @/notes.txt @/out.npy', code: 'DCB_SUBSET_FORMAT', exit: 2, says: /@\/notes\.txt/},
  {what: 'a text file as an entry to draw tasks for', args: 'leaderboard draw @/notes.txt --count 3', code: 'DCB_ENTRY_FILE', exit: 2, says: /@\/notes\.txt: not valid JSON/},
  {what: 'a file as training data', args: `train ${P} --data @/notes.txt --out @/run2`, code: 'DCB_TRAIN_DATA', exit: 2, says: /@\/notes\.txt: not a folder/},
  {what: 'a pool folder that holds no documents', args: 'filter --benchmark dclm --filter oracle --pool @/empty --out @/x.npy', code: 'DCB_POOL_INPUT', exit: 2, says: /@\/empty: no \.jsonl/},
  // missing data, empty results
  {what: 'an empty folder as a model', args: 'eval --benchmark dclm --scale tiny --model @/empty', code: 'DCB_MODEL_DIR', exit: 2, says: /@\/empty\/model\.json: file not found/},
  {what: 'contamination without a pool', args: 'subset contamination @/oracle.npy --benchmark dclm --data @/empty', code: 'DCB_USAGE', exit: 2, says: /missing --pool/},
  {what: 'eval data missing, offline', args: 'eval fetch --benchmark dclm --offline --data @/empty', code: 'DCB_EVAL_DATA_UNUSABLE', exit: 1, says: /@\/empty: 51 file\(s\) not usable/},
  {what: 'a reshard of a subset that matches nothing', args: `reshard ${P} --subset @/nomatch.raw --pool @/pool --out @/r3`, code: 'DCB_RESHARD_SUBSET', exit: 2, says: /@\/nomatch\.raw/},
]

/** Issue 18's bound on one error line: it names the problem, it does not list the world. */
const MAX_LINE = 400

let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcbench-mistakes-'))
  const steps = [
    ['pool', 'synth', ...P.split(' '), '--out', join(dir, 'pool')],
    ['pool', 'index', join(dir, 'pool'), '--out', join(dir, 'pool.uidx')],
    ['filter', '--benchmark', 'dclm', '--filter', 'oracle', '--pool', join(dir, 'pool'), '--out', join(dir, 'oracle.npy')],
  ]
  for (const step of steps) {
    const result = await runBench(step)
    expect(result.exitCode, `${step.join(' ')}: ${result.stderr}`).toBe(0)
  }
  // 19 bytes: not a whole number of 16-byte uid records, so not a raw subset either
  writeFileSync(join(dir, 'notes.txt'), 'these are my notes\n')
  writeFileSync(join(dir, 'fake.parquet'), 'these are my notes\n')
  // two uid records that no pool holds
  writeFileSync(join(dir, 'nomatch.raw'), Buffer.from('00112233445566778899aabbccddeeff' + 'ffeeddccbbaa99887766554433221100', 'hex'))
  mkdirSync(join(dir, 'empty'))
  mkdirSync(join(dir, 'full'))
  writeFileSync(join(dir, 'full', 'a'), 'x')
}, 300_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

const argv = (args: string): string[] => args.split(' ').map((a) => a.replaceAll('@', dir))

describe('one meaning per flag name (issue 18)', () => {
  it('subset validate takes the index as --pool-index, and still as the deprecated --pool with a warning', async () => {
    const current = await runBench(argv(`subset validate @/oracle.npy ${P} --pool-index @/pool.uidx`))
    expect(current.exitCode, current.stderr).toBe(0)
    expect(current.stderr).not.toContain('deprecated')
    const old = await runBench(argv(`subset validate @/oracle.npy ${P} --pool @/pool.uidx`))
    expect(old.exitCode, old.stderr).toBe(0)
    expect(old.stderr.split('\n')[0]).toBe('warning: --pool is deprecated for subset validate; use --pool-index FILE.uidx (--pool names a pool folder in filter and reshard)')
    const fingerprint = (stdout: string): string | undefined => /fingerprint (sha256:[0-9a-f]{64})/.exec(stdout)?.[1]
    expect(fingerprint(old.stdout)).toBeDefined()
    expect(fingerprint(old.stdout)).toBe(fingerprint(current.stdout))
  })
})

describe('a table of user mistakes: one DCB_ line, exit 1 or 2, never 70 (issue 18)', () => {
  it('has at least 40 rows', () => {
    expect(MISTAKES.length).toBeGreaterThanOrEqual(40)
  })

  for (const mistake of MISTAKES) {
    const run = mistake.defect ? it.fails : it
    run(`${mistake.what}: bench ${mistake.args}${mistake.defect ? ` (today: ${mistake.defect})` : ''}`, async () => {
      const text = await runBench(argv(mistake.args))
      const errorLines = text.stderr.split('\n').filter((line) => line.startsWith('error '))
      expect(text.exitCode, text.stderr).not.toBe(70)
      expect(text.stderr, 'no stack trace').not.toMatch(/\n\s+at .*:\d+:\d+/)
      expect(errorLines, text.stderr).toHaveLength(1)
      const line = errorLines[0]!.replaceAll(dir, '@')
      expect(line.startsWith(`error [${mistake.code}]: `), line).toBe(true)
      expect(line).toMatch(mistake.says)
      expect(line.length, line).toBeLessThanOrEqual(MAX_LINE)
      expect(text.exitCode, line).toBe(mistake.exit)

      const json = await runBench([...argv(mistake.args), '--json'])
      expect(json.exitCode).toBe(mistake.exit)
      const doc = JSON.parse(json.stdout) as {error: {code: string; exit_code: number}}
      expect([doc.error.code, doc.error.exit_code]).toEqual([mistake.code, mistake.exit])
    })
  }
})
