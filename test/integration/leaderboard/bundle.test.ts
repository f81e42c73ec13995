import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {execa} from 'execa'
import tar from 'tar-stream'
import {afterEach, describe, expect, it} from 'vitest'

import {startFakeHub, type FakeHub} from '../../helpers/fake-hub.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {writeBoundRunFixture} from '../../helpers/run-fixture.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Submission bundles (issue 17): `bench submit --bundle` packs the signed entry with run.json, the
 * model folder and the eval output; `bench verify --bundle` and `bench leaderboard add --bundle`
 * unpack it as a hostile archive and check every file against the signed entry; `--hub` uploads it
 * as DataComp's evaluate.py uploads a submission. Hostile archives are built member by member with
 * tar-stream, the same library a participant could use to forge one.
 */

const tempDir = useTempDir('dcbench-bundle-')

interface Submission {
  dir: string
  bundle: string
  entryFile: string
  run: string
  evalFile: string
  keyring: string
  board: string
}

/** A bound run, its signed entry and its bundle; the participant's key is trusted by the board's keyring. */
async function submission(extra: string[] = [], env: Record<string, string> = {}): Promise<Submission & {submit: Awaited<ReturnType<typeof runBenchJson>>}> {
  const dir = tempDir()
  const {run, evalFile, poolIndex} = writeBoundRunFixture(dir)
  const keys = await runBenchJson<{private_key_file: string}>(['keys', 'generate', '--out', join(dir, 'keys'), '--name', 'team-a'])
  const board = join(dir, 'board')
  await runBench(['keys', 'trust', join(dir, 'keys', 'team-a.pub'), '--keyring', join(board, 'keyring')])
  const entryFile = join(dir, 'entry.json')
  const bundle = join(dir, 'small.tar')
  const submit = await runBenchJson(
    ['submit', '--run', run, '--eval', evalFile, '--key', keys.json.private_key_file, '--out', entryFile, '--method', 'm', '--pool-index', poolIndex, '--bundle', bundle, ...extra],
    {env},
  )
  return {dir, bundle, entryFile, run, evalFile, keyring: join(board, 'keyring'), board, submit}
}

interface Member {
  name: string
  body: Buffer
  type?: 'file' | 'symlink' | 'link' | 'character-device' | 'directory'
  linkname?: string
  /** A header size other than the body's (the body is then written as given). */
  size?: number
}

async function readMembers(bundle: string): Promise<Member[]> {
  const members: Member[] = []
  const extract = tar.extract()
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = []
      for await (const chunk of entry) chunks.push(chunk as Buffer)
      members.push({name: entry.header.name, body: Buffer.concat(chunks)})
    }
  })()
  extract.end(readFileSync(bundle))
  await done
  return members
}

async function writeMembers(out: string, members: Member[], options: {truncateBy?: number} = {}): Promise<void> {
  const pack = tar.pack()
  const chunks: Buffer[] = []
  pack.on('data', (chunk) => chunks.push(chunk as Buffer))
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()))
  for (const member of members) {
    await new Promise<void>((resolve, reject) => {
      const type = member.type ?? 'file'
      const header = {name: member.name, type, size: type === 'file' ? member.body.length : 0, mode: 0o644, ...(member.linkname ? {linkname: member.linkname} : {})}
      const callback = (error?: Error | null): void => (error ? reject(error) : resolve())
      if (type === 'file') pack.entry(header, member.body, callback)
      else pack.entry(header, callback).end(undefined)
    })
  }
  pack.finalize()
  await ended
  const bytes = Buffer.concat(chunks)
  writeFileSync(out, options.truncateBy ? bytes.subarray(0, bytes.length - options.truncateBy) : bytes)
}

const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex')

/** Rewrites bundle.json so its sizes and hashes describe the members as they now are (a forger's consistent bundle). */
function relist(members: Member[]): Member[] {
  const manifest = JSON.parse(members[0]!.body.toString()) as {files: Record<string, {size: number; sha256: string}>}
  manifest.files = Object.fromEntries(members.slice(1).filter((m) => (m.type ?? 'file') === 'file').map((m) => [m.name, {size: m.body.length, sha256: sha256(m.body)}]))
  return [{name: 'bundle.json', body: Buffer.from(JSON.stringify(manifest))}, ...members.slice(1)]
}

/** The lines of stderr that report an error (progress lines may come before). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('error'))
}

function boardLeftovers(board: string): string[] {
  const bundles = join(board, 'bundles')
  return existsSync(bundles) ? readdirSync(bundles) : []
}

describe('bench submit --bundle, then verify and leaderboard add', () => {
  it('packs the entry, run.json, model and eval output; an organizer verifies it and adds it, keeping the model', async () => {
    const s = await submission()
    expect(s.submit.exitCode, s.submit.stderr).toBe(0)
    const names = (await readMembers(s.bundle)).map((m) => m.name)
    expect(names).toEqual([
      'bundle.json',
      'entry.json',
      'run/run.json',
      'eval/eval_results.jsonl',
      'eval/eval_info.json',
      'run/model/image_encoder.onnx',
      'run/model/model.json',
      'run/model/text_encoder.onnx',
    ])

    const verify = await runBench(['verify', '--bundle', s.bundle, '--keyring', s.keyring])
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
    expect(verify.stdout).toMatch(/^ok +model +.*matches model\.sha256/m)
    expect(verify.stdout).toMatch(/^ok +eval +.*evaluated the entry's model/m)

    const add = await runBenchJson<{entry_id: string; status: string; bundle_dir: string}>(['leaderboard', 'add', '--bundle', s.bundle, '--board', s.board])
    expect(add.exitCode, add.stderr).toBe(0)
    expect(add.json.status).toBe('self-reported')
    expect(add.json.bundle_dir).toBe(join(s.board, 'bundles', add.json.entry_id))
    expect(readFileSync(join(add.json.bundle_dir, 'run', 'model', 'image_encoder.onnx'))).toEqual(readFileSync(join(s.run, 'model', 'image_encoder.onnx')))
    expect(boardLeftovers(s.board)).toEqual([add.json.entry_id])

    const again = await runBench(['leaderboard', 'add', '--bundle', s.bundle, '--board', s.board])
    expect(again.exitCode).toBe(1)
    expect(again.stderr).toMatch(/^error \[DCB_ENTRY_DUPLICATE\]/m)
    expect(boardLeftovers(s.board)).toEqual([add.json.entry_id])
  })

  it('draws re-evaluation tasks from a fresh seed, replayable from it', async () => {
    const s = await submission()
    const add = await runBenchJson<{bundle_dir: string}>(['leaderboard', 'add', '--bundle', s.bundle, '--board', s.board])
    const entry = join(add.json.bundle_dir, 'entry.json')
    const first = await runBenchJson<{seed: string; tasks: string[]; command: string}>(['leaderboard', 'draw', entry, '--count', '6'])
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.json.tasks).toHaveLength(6)
    expect(new Set(first.json.tasks).size).toBe(6)
    expect(first.json.seed).toMatch(/^[0-9a-f]{64}$/)
    expect(first.json.command).toContain(`--model ${join(add.json.bundle_dir, 'run', 'model')} --tasks ${first.json.tasks.join(',')}`)
    const replay = await runBenchJson<{tasks: string[]}>(['leaderboard', 'draw', entry, '--count', '6', '--seed', first.json.seed])
    expect(replay.json.tasks).toEqual(first.json.tasks)
    const fresh = await runBenchJson<{seed: string}>(['leaderboard', 'draw', entry, '--count', '6'])
    expect(fresh.json.seed).not.toBe(first.json.seed)
    const tooMany = await runBench(['leaderboard', 'draw', entry, '--count', '39'])
    expect(tooMany.exitCode).toBe(2)
    expect(tooMany.stderr).toMatch(/^error \[DCB_USAGE\]: --count 39: expected a whole number from 1 to 38/)
  })

  it('refuses a bundle whose files are consistent with bundle.json but not with the signed entry', async () => {
    const s = await submission()
    const members = await readMembers(s.bundle)
    const swapped = members.map((m) => (m.name === 'run/model/text_encoder.onnx' ? {...m, body: Buffer.from('a better text tower')} : m))
    const forged = join(s.dir, 'forged.tar')
    await writeMembers(forged, relist(swapped))
    const add = await runBench(['leaderboard', 'add', '--bundle', forged, '--board', s.board])
    expect(add.exitCode).toBe(1)
    expect(errorLines(add.stderr)).toHaveLength(1)
    expect(add.stderr).toMatch(/^error \[DCB_ENTRY_REJECTED\]: .*model\.files\.text_encoder\.onnx: .*forged\.tar:run\/model\/text_encoder\.onnx hashes to/m)
    expect(boardLeftovers(s.board)).toEqual([])
    expect(existsSync(join(s.board, 'entries.jsonl'))).toBe(false)

    const verify = await runBench(['verify', '--bundle', forged, '--keyring', s.keyring])
    expect(verify.exitCode).toBe(1)
    expect(verify.stdout).toMatch(/^FAIL model +model\.files\.text_encoder\.onnx/m)

    // An eval output of all 0.99 in place of the real one: its hash is not the entry's.
    const rescored = members.map((m) => (m.name === 'eval/eval_results.jsonl' ? {...m, body: Buffer.from(m.body.toString().replace(/"main_metric": [0-9.]+/g, '"main_metric": 0.99'))} : m))
    await writeMembers(forged, relist(rescored))
    const add2 = await runBench(['leaderboard', 'add', '--bundle', forged, '--board', s.board])
    expect(add2.exitCode).toBe(1)
    expect(add2.stderr).toMatch(/^error \[DCB_ENTRY_REJECTED\]: .*eval\.results_sha256: .*forged\.tar:eval\/eval_results\.jsonl hashes to/m)
  })

  it.each<[string, (members: Member[]) => Member[], RegExp, {truncateBy?: number}?]>([
    ['a symbolic link', (m) => relist([...m, {name: 'run/model/weights.bin', body: Buffer.alloc(0), type: 'symlink', linkname: '/etc/passwd'}]), /member 'run\/model\/weights\.bin' is a symlink; a bundle holds only regular files/],
    ['a hard link', (m) => [...m, {name: 'eval/copy.json', body: Buffer.alloc(0), type: 'link', linkname: 'entry.json'}], /member 'eval\/copy\.json' is a link/],
    ['a device', (m) => [...m, {name: 'eval/dev', body: Buffer.alloc(0), type: 'character-device'}], /is a character-device/],
    ['a folder member', (m) => [m[0]!, {name: 'run/', body: Buffer.alloc(0), type: 'directory'}, ...m.slice(1)], /member 'run\/' is a directory/],
    ['a path out of the folder', (m) => relist([...m, {name: 'eval/../../../escaped.txt', body: Buffer.from('x')}]), /eval\/\.\.\/\.\.\/\.\.\/escaped\.txt: '\.\.' is not a plain file or folder name/],
    ['an absolute path', (m) => [...m, {name: '/tmp/dcbench-bundle-escape.txt', body: Buffer.from('x')}], /member '\/tmp\/dcbench-bundle-escape\.txt': '' is not a plain file or folder name/],
    ['a path with a long name (pax header) out of the folder', (m) => [...m, {name: `eval/../../${'x'.repeat(150)}.txt`, body: Buffer.from('x')}], /member 'eval\/\.\.\/\.\.\/x+…': '\.\.' is not a plain file or folder name/],
    ['a member bundle.json does not list', (m) => [...m, {name: 'eval/extra.txt', body: Buffer.from('x')}], /member 'eval\/extra\.txt' is not listed in bundle\.json/],
    ['a member listed but absent', (m) => m.filter((x) => x.name !== 'run/model/model.json'), /bundle\.json lists 1 file\(s\) the archive does not hold \(run\/model\/model\.json\)/],
    ['a member twice', (m) => [...m, m[1]!], /member 'entry\.json' twice/],
    ['a member whose bytes differ from bundle.json', (m) => m.map((x) => (x.name === 'run/model/model.json' ? {...x, body: Buffer.from(x.body.toString().replace('fixture', 'fixturf'))} : x)), /member 'run\/model\/model\.json' hashes to [0-9a-f]{16}…, bundle\.json says/],
    ['a member of another size than bundle.json says', (m) => m.map((x) => (x.name === 'eval/eval_info.json' ? {...x, body: Buffer.concat([x.body, Buffer.from(' ')])} : x)), /member 'eval\/eval_info\.json' has \d+ bytes, bundle\.json says \d+/],
    ['bundle.json not first', (m) => [m[1]!, m[0]!, ...m.slice(2)], /the first member is 'entry\.json', not bundle\.json/],
    ['a bundle.json with a duplicate key', (m) => [{name: 'bundle.json', body: Buffer.from(m[0]!.body.toString().replace('{', '{"format": "x",'))}, ...m.slice(1)], /bundle\.json: line \d+, column \d+: duplicate key "format"/],
    ['a bundle.json naming __proto__', (m) => [{name: 'bundle.json', body: Buffer.from(m[0]!.body.toString().replace('"files": {', '"files": {"__proto__": {"size": 1, "sha256": "00"},'))}, ...m.slice(1)], /bundle\.json: line \d+, column \d+: .*__proto__/],
    ['a truncated archive', (m) => m, /not a readable tar|unexpected end|does not hold/, {truncateBy: 3000}],
  ])('refuses %s, leaving nothing behind', async (_what, edit, message, options) => {
    const s = await submission()
    const hostile = join(s.dir, 'hostile.tar')
    await writeMembers(hostile, edit(await readMembers(s.bundle)), options)
    const add = await runBench(['leaderboard', 'add', '--bundle', hostile, '--board', s.board])
    expect(add.exitCode, add.stderr).toBe(2)
    expect(errorLines(add.stderr)).toHaveLength(1)
    expect(errorLines(add.stderr)[0]).toMatch(/^error \[DCB_BUNDLE_INVALID\]: .*hostile\.tar: /)
    expect(errorLines(add.stderr)[0]).toMatch(message)
    expect(boardLeftovers(s.board)).toEqual([])
    expect(existsSync(join(s.board, 'entries.jsonl'))).toBe(false)
    expect(existsSync(join(s.board, '..', 'escaped.txt'))).toBe(false)
    expect(existsSync('/tmp/dcbench-bundle-escape.txt')).toBe(false)
    const verify = await runBench(['verify', '--bundle', hostile, '--keyring', s.keyring, '--json'])
    expect(verify.exitCode).toBe(2)
    expect(JSON.parse(verify.stdout).error.code).toBe('DCB_BUNDLE_INVALID')
  })

  it('refuses a FIFO, a folder and random bytes given as a bundle', async () => {
    const s = await submission()
    const fifo = join(s.dir, 'fifo.tar')
    await execa('mkfifo', [fifo])
    const refusedFifo = await runBench(['leaderboard', 'add', '--bundle', fifo, '--board', s.board], {timeout: 30_000})
    expect(refusedFifo.exitCode).toBe(2)
    expect(refusedFifo.stderr).toMatch(/^error \[DCB_BUNDLE_INVALID\]: .*fifo\.tar: not a regular file/m)
    const folder = await runBench(['leaderboard', 'add', '--bundle', s.dir, '--board', s.board])
    expect(folder.stderr).toMatch(/^error \[DCB_BUNDLE_INVALID\]: .*: not a regular file/m)
    const noise = join(s.dir, 'noise.tar')
    writeFileSync(noise, Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7919) % 251)))
    const refusedNoise = await runBench(['leaderboard', 'add', '--bundle', noise, '--board', s.board])
    expect(refusedNoise.exitCode).toBe(2)
    expect(refusedNoise.stderr).toMatch(/^error \[DCB_BUNDLE_INVALID\]: .*noise\.tar: not a readable tar/m)
    expect(boardLeftovers(s.board)).toEqual([])
  })

  it('needs exactly one of ENTRY and --bundle', async () => {
    const s = await submission()
    const both = await runBench(['leaderboard', 'add', s.entryFile, '--bundle', s.bundle, '--board', s.board])
    expect(both.exitCode).toBe(2)
    expect(both.stderr).toMatch(/^error \[DCB_USAGE\]: give an ENTRY file or --bundle B\.tar/)
    const neither = await runBench(['verify', '--keyring', s.keyring])
    expect(neither.exitCode).toBe(2)
  })
})

describe('bench submit --bundle --hub', () => {
  let hub: FakeHub | undefined
  afterEach(async () => {
    await hub?.close()
    hub = undefined
  })

  it("uploads the bundle and the entry to the participant's model repo in one commit, as evaluate.py does", async () => {
    hub = await startFakeHub('hf_participant')
    const s = await submission(['--hub', 'team-a/datacomp-small', '--hub-url', hub.url], {HF_TOKEN: 'hf_participant'})
    expect(s.submit.exitCode, s.submit.stderr).toBe(0)
    expect(hub.commits).toEqual([{repo: 'models/team-a/datacomp-small', title: 'Upload artifacts (small scale)', files: expect.arrayContaining(['small_scale/small.tar', 'small_scale/entry.json'])}])
    const repo = hub.repos.get('models/team-a/datacomp-small')!
    expect(repo.get('small_scale/small.tar')).toEqual(readFileSync(s.bundle))
    expect(repo.get('small_scale/entry.json')).toEqual(readFileSync(s.entryFile))
  })

  it('refuses a missing token before it signs or packs anything', async () => {
    const env = {...process.env}
    delete env.HF_TOKEN
    const dir = tempDir()
    const {run, evalFile, poolIndex} = writeBoundRunFixture(dir)
    const keys = await runBenchJson<{private_key_file: string}>(['keys', 'generate', '--out', join(dir, 'keys'), '--name', 'team-a'])
    const refused = await runBench(
      ['submit', '--run', run, '--eval', evalFile, '--key', keys.json.private_key_file, '--out', join(dir, 'e.json'), '--method', 'm', '--pool-index', poolIndex, '--bundle', join(dir, 'b.tar'), '--hub', 'team-a/x'],
      {env, extendEnv: false},
    )
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toMatch(/^error \[DCB_HUB_TOKEN\]: --hub team-a\/x: no Hugging Face token/)
    expect(existsSync(join(dir, 'e.json'))).toBe(false)
    expect(existsSync(join(dir, 'b.tar'))).toBe(false)
  })
})
