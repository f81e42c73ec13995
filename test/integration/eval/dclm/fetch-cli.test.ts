import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadLocalDataManifest} from '../../../../src/benchmarks/dclm/local-data.js'
import {loadLmSuite} from '../../../../src/eval/lm/suite.js'
import {runBench, runBenchJson} from '../../../helpers/cli.js'
import {startFakeGithubRaw, type FakeGithubRaw} from '../../../helpers/fake-github-raw.js'
import {sharedDir} from '../../../helpers/shared.js'

// No network: the source is a local imitation of GitHub's raw file host (fake-github-raw.ts) serving
// llm-foundry's local_data at the pinned commit. The real bytes of 18 of its files are in
// shared/data/icl (the others are 4 MB or larger, or were never copied here): those are served as
// they are; a few others are served with wrong bytes to test the checks.
const manifest = loadLocalDataManifest()
const suite = loadLmSuite('dclm-53')
const prefix = `${manifest.source.repo}/${manifest.source.commit}/${manifest.source.folder}`

describe('bench eval fetch --benchmark dclm (llm-foundry local_data from GitHub raw files)', () => {
  let root = ''
  let raw: FakeGithubRaw
  const real = manifest.files.filter((f) => existsSync(join(sharedDir(), 'data', 'icl', f.path)))
  const labelsOf = (paths: string[]) => suite.tasks.filter((t) => paths.includes(t.dataset)).map((t) => t.label)

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-dclm-fetch-'))
    const files = new Map<string, Buffer>()
    for (const f of real) files.set(`${prefix}/${f.path}`, readFileSync(join(sharedDir(), 'data', 'icl', f.path)))
    // Wrong bytes: a recorded file (siqa) and one whose size and sha256 are not recorded, only its git blob (hellaswag).
    files.set(`${prefix}/commonsense_reasoning/siqa.jsonl`, Buffer.from('{"not": "siqa"}\n'))
    files.set(`${prefix}/language_understanding/hellaswag.jsonl`, Buffer.from('{"not": "hellaswag"}\n'.repeat(100)))
    raw = await startFakeGithubRaw(files)
  })
  afterAll(async () => {
    await raw?.close()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  const data = () => join(root, 'data')
  const fetchArgs = (tasks: string[], ...more: string[]) => ['eval', 'fetch', '--benchmark', 'dclm', '--scale', '1b-1x', '--data', data(), '--source', raw.url, '--tasks', tasks.join(','), ...more]

  it('records all 49 llm-foundry files of the 53 tasks at the pinned commit, 43 with size and sha256; the 18 in shared/data/icl match', () => {
    expect(manifest.source.commit).toBe('8c8dd48f72168c5d51e2f7b151595892a8fba43d')
    const paths = new Set(suite.tasks.map((t) => t.dataset))
    expect(paths.size).toBe(51)
    expect(new Set([...manifest.files.map((f) => f.path), ...manifest.gpqa.files.map((f) => f.path)])).toEqual(paths)
    expect(manifest.files).toHaveLength(49)
    expect(manifest.files.filter((f) => f.sha256 !== null)).toHaveLength(43)
    expect(real.map((f) => f.checked)).toEqual(Array(18).fill('git+shared'))
    expect(manifest.files.filter((f) => f.checked === 'tree').map((f) => f.path)).toEqual([
      'language_understanding/hellaswag.jsonl', 'reading_comprehension/coqa.jsonl', 'reading_comprehension/squad.jsonl', 'safety/bbq.jsonl',
      'symbolic_problem_solving/bigbench_elementary_math_qa.jsonl', 'world_knowledge/mmlu.jsonl',
    ])
  })

  it('downloads the files, shows their sizes first, checks size, sha256 and git blob id; a second run asks for nothing', async () => {
    raw.cutNext('piqa.jsonl', 100_000)
    const tasks = labelsOf(real.map((f) => f.path))
    expect(tasks.length).toBeGreaterThanOrEqual(18)
    const first = await runBench(fetchArgs(tasks), {env: {HF_HUB_OFFLINE: ''}})
    // piqa's connection dropped: the run stops there, piqa's bytes are kept for the next run.
    expect(first.exitCode).toBe(3)
    expect(first.stderr).toMatch(/piqa\.jsonl: download cut short \(.*100000 bytes kept for resuming\)/)
    expect(first.stderr).toMatch(/total to download: 13\.0 MB \(13017815 bytes\) in 18 file\(s\)/)
    expect(existsSync(join(data(), 'commonsense_reasoning', 'piqa.jsonl.incomplete'))).toBe(true)

    raw.requests.length = 0
    const second = await runBenchJson<Record<string, any>>(fetchArgs(tasks), {env: {HF_HUB_OFFLINE: ''}})
    expect(second.exitCode, second.stderr).toBe(0)
    // piqa resumed from where it stopped; the files finished before were not asked for again.
    expect(raw.requests).toContainEqual({method: 'GET', path: `${prefix}/commonsense_reasoning/piqa.jsonl`, range: 'bytes=100000-'})
    expect(raw.requests.filter((q) => q.path.endsWith('/copa.jsonl') || q.path.endsWith('/commonsense_qa.jsonl'))).toEqual([])
    expect(raw.requests.every((q) => q.range === undefined || q.path.endsWith('/piqa.jsonl'))).toBe(true)
    const piqa = second.json.files.find((f: {path: string}) => f.path === 'commonsense_reasoning/piqa.jsonl')
    expect(piqa).toMatchObject({state: 'downloaded', ready: true, downloaded_bytes: 533_992 - 100_000, sha256: manifest.files.find((f) => f.path === 'commonsense_reasoning/piqa.jsonl')?.sha256})
    expect(second.json.source).toEqual({repo: 'mosaicml/llm-foundry', commit: manifest.source.commit, url: `${raw.url}/${prefix}`})
    for (const f of real) expect(readFileSync(join(data(), f.path)).equals(readFileSync(join(sharedDir(), 'data', 'icl', f.path))), f.path).toBe(true)

    raw.requests.length = 0
    const third = await runBenchJson<Record<string, any>>(fetchArgs(tasks), {env: {HF_HUB_OFFLINE: ''}})
    expect(third.exitCode).toBe(0)
    expect(third.json.files.map((f: {state: string}) => f.state)).toEqual(Array(18).fill('cached'))
    expect(raw.requests).toEqual([])
  })

  it('removes a download whose sha256 or git blob id is not the recorded one; a file whose size is not recorded is sized by a HEAD request first', async () => {
    const siqa = await runBench(fetchArgs(['siqa']))
    expect(siqa.exitCode).toBe(1)
    expect(siqa.stderr).toMatch(/^error \[DCB_EVAL_DOWNLOAD_CHECKSUM\]: http:\S+\/commonsense_reasoning\/siqa\.jsonl: 16 bytes, expected 477682; the download was removed/m)
    expect(readdirSync(join(data(), 'commonsense_reasoning')).filter((f) => f.startsWith('siqa'))).toEqual([])

    raw.requests.length = 0
    const hellaswag = await runBench(fetchArgs(['hellaswag_zeroshot']))
    expect(hellaswag.exitCode).toBe(1)
    expect(raw.requests[0]).toMatchObject({method: 'HEAD', path: `${prefix}/language_understanding/hellaswag.jsonl`})
    expect(hellaswag.stderr).toMatch(/language_understanding\/hellaswag\.jsonl\s*│ mosaicml\/llm-foundry@8c8dd48f\s*│ 2\.10 kB/)
    expect(hellaswag.stderr).toMatch(/hellaswag\.jsonl: git blob [0-9a-f]{40}, expected 448321079fdc140bd8566b16b24eda9ceacd3501; the download was removed/)
  })

  it('GPQA cannot be downloaded: the note says where DCLM keeps it and how to make the files; a file placed by hand is checked', async () => {
    const r = await runBench(fetchArgs(['gpqa_main', 'gpqa_diamond']))
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toMatch(/gpqa_data\/gpqa_main\.jsonl\s*│ gpqa_main\s*│ manual/)
    expect(r.stdout).toContain('password-protected zip (mlfoundations/dclm@361714bdd60bb9b7f4b2d8354cebbf0dec0c329e eval/gpqa/dataset.zip)')
    expect(r.stderr).toMatch(/^error \[DCB_EVAL_DATA_UNUSABLE\]: .*2 file\(s\) not usable: gpqa_data\/gpqa_main\.jsonl \(manual\), gpqa_data\/gpqa_diamond\.jsonl \(manual\)/m)
    mkdirSync(join(data(), 'gpqa_data'), {recursive: true})
    writeFileSync(join(data(), 'gpqa_data', 'gpqa_main.jsonl'), '{"query": "?", "choices": ["a", "b", "c", "d"], "gold": 0}\n')
    const placed = await runBench(fetchArgs(['gpqa_main'], '--offline'))
    expect(placed.stdout).toMatch(/gpqa_main\.jsonl\s*│ gpqa_main\s*│ wrong-content/)
    expect(placed.stdout).toMatch(/bytes, expected 311784/)
  })

  it('--offline downloads nothing and names what is missing', async () => {
    raw.requests.length = 0
    const r = await runBenchJson<Record<string, any>>(fetchArgs(['copa', 'boolq', 'squad'], '--offline'))
    expect(r.exitCode).toBe(1)
    expect(r.json.error.message).toMatch(/1 file\(s\) not usable: reading_comprehension\/squad\.jsonl \(missing\)/)
    expect(raw.requests).toEqual([])
    // one document: the per-file table with the error inside it, not the error alone
    expect(r.json.files.map((f: {path: string; ready: boolean}) => [f.path, f.ready])).toContainEqual(['reading_comprehension/squad.jsonl', false])
    expect(r.json.error).toMatchObject({code: 'DCB_EVAL_DATA_UNUSABLE', exit_code: 1})
  })

  it('--offline --json over a nearly empty folder: every file in the document, a message of one short line', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dcbench-dclm-empty-'))
    const r = await runBenchJson<Record<string, any>>(['eval', 'fetch', '--benchmark', 'dclm', '--scale', '1b-1x', '--data', empty, '--offline'])
    expect(r.exitCode).toBe(1)
    const n = r.json.files.length as number
    expect(n).toBeGreaterThanOrEqual(49)
    expect(r.json.files.every((f: {ready: boolean}) => !f.ready)).toBe(true)
    expect(r.json.error.message).toContain(`: ${n} file(s) not usable: `)
    expect(r.json.error.message).toMatch(new RegExp(` and ${n - 5} more$`))
    expect(r.json.error.message.length).toBeLessThan(400)
  })
})
