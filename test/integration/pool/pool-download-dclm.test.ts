import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'
import {startFakeS3, type FakeS3} from '../../helpers/fake-s3.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Issue 20 item 2: `bench pool download --benchmark dclm` against a local S3 imitation
 * (test/helpers/fake-s3.ts) through @aws-sdk/client-s3 with credentials from the environment. No network.
 */

const PREFIX = 'contrib/datacomp/DCLM-pool/crawl=CC-MAIN-2013-20'
const docs = (n: number, seed: number) => gzipSync(Buffer.from(Array.from({length: n}, (_, i) => JSON.stringify({url: `https://example.org/${seed}/${i}`, text: `document ${i} of file ${seed} `.repeat(50)})).join('\n') + '\n'))
const FILES: Record<string, Buffer> = {
  [`commoncrawl/${PREFIX}/1/a.jsonl.gz`]: docs(200, 1),
  [`commoncrawl/${PREFIX}/2/b.jsonl.gz`]: docs(300, 2),
  [`commoncrawl/${PREFIX}/3/c.jsonl.gz`]: docs(5, 3),
}
const MISSING = `s3://commoncrawl/${PREFIX}/4/gone.jsonl.gz`

describe('bench pool download --benchmark dclm (local S3 imitation)', () => {
  const tmp = useTempDir('dcbench-dclm-download-')
  let s3: FakeS3
  let list: string
  let env: Record<string, string>

  beforeAll(async () => {
    s3 = await startFakeS3(FILES, ['AKIDDCBENCHTEST'])
    env = {AWS_ACCESS_KEY_ID: 'AKIDDCBENCHTEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_PROFILE: ''}
  })
  afterAll(async () => s3?.close())

  const writeList = (lines: string[]) => {
    list = join(tmp(), 'list.txt')
    writeFileSync(list, lines.join('\n'))
    return list
  }
  const args = (out: string, more: string[] = []) => ['pool', 'download', '--benchmark', 'dclm', '--scale', '400m-1x', '--out', out, '--list', list, '--s3-endpoint', s3.url, ...more]

  it('--list-only prints every file with its size and the total, and downloads nothing', async () => {
    writeList([...Object.keys(FILES).map((k) => `s3://${k}`), MISSING])
    const out = join(tmp(), 'pool')
    const result = await runBench(args(out, ['--list-only']), {env})
    expect(result.exitCode, result.stderr).toBe(0)
    const total = Object.values(FILES).reduce((sum, b) => sum + b.length, 0)
    expect(result.stdout).toContain(`${FILES[`commoncrawl/${PREFIX}/1/a.jsonl.gz`]!.length}\ts3://commoncrawl/${PREFIX}/1/a.jsonl.gz`)
    expect(result.stdout).toContain(`missing\t${MISSING}`)
    expect(result.stdout).toMatch(new RegExp(`4 files, .*\\(${total} bytes\\); 1 not in the bucket`))
    expect(existsSync(join(out, 'documents'))).toBe(false)
    expect(s3.requests.every((r) => r.method === 'HEAD')).toBe(true)
  })

  it('downloads into documents/crawl=…__….jsonl.gz, resumes a cut file with a Range request, and names the files missing from the bucket', async () => {
    writeList([...Object.keys(FILES).map((k) => `s3://${k}`), MISSING])
    const out = join(tmp(), 'pool')
    const big = `commoncrawl/${PREFIX}/2/b.jsonl.gz`
    s3.cutNext(big, 1000)
    const first = await runBench(args(out), {env})
    expect(first.exitCode).not.toBe(0)
    expect(first.stderr).toMatch(/DCB_S3_DOWNLOAD|DCB_POOL_INCOMPLETE/)
    const second = await runBenchJson<Record<string, any>>(args(out), {env})
    expect(second.exitCode).toBe(1)
    expect(second.stderr + JSON.stringify(second.json)).toMatch(/DCB_POOL_INCOMPLETE/)
    expect(s3.requests.some((r) => r.method === 'GET' && r.path === `/${big}` && r.range === 'bytes=1000-')).toBe(true)
    for (const [key, bytes] of Object.entries(FILES)) {
      const local = join(out, 'documents', key.slice(`commoncrawl/contrib/datacomp/DCLM-pool/`.length).replaceAll('/', '__'))
      expect(readFileSync(local).equals(bytes), local).toBe(true)
    }
    expect(readdirSync(join(out, 'documents')).sort()).toEqual(['crawl=CC-MAIN-2013-20__1__a.jsonl.gz', 'crawl=CC-MAIN-2013-20__2__b.jsonl.gz', 'crawl=CC-MAIN-2013-20__3__c.jsonl.gz'])
    const summary = JSON.parse(readFileSync(join(out, 'download_summary.json'), 'utf8'))
    expect(summary.missing_urls).toEqual([MISSING])

    // Complete now: nothing fetched again; bench pool index reads the documents.
    writeList(Object.keys(FILES).map((k) => `s3://${k}`))
    const gets = s3.requests.filter((r) => r.method === 'GET').length
    const third = await runBenchJson<Record<string, any>>(args(out), {env})
    expect(third.exitCode, third.stderr).toBe(0)
    expect(third.json).toMatchObject({files: 3, downloaded_files: 0, kept_files: 3})
    expect(s3.requests.filter((r) => r.method === 'GET').length).toBe(gets)
    const index = await runBenchJson<Record<string, any>>(['pool', 'index', out, '--out', join(tmp(), 'dclm.uidx')])
    expect(index.exitCode, index.stderr).toBe(0)
    expect(JSON.stringify(index.json)).toMatch(/505/)
  }, 120_000)

  it('refused credentials: DCB_S3_AUTH in one line, nothing written', async () => {
    writeList(Object.keys(FILES).map((k) => `s3://${k}`))
    const out = join(tmp(), 'refused')
    const result = await runBench(args(out), {env: {...env, AWS_ACCESS_KEY_ID: 'AKIDSOMEONEELSE'}})
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toMatch(/DCB_S3_AUTH.*refused \(HTTP 403/)
    expect(existsSync(join(out, 'documents'))).toBe(false)
  })

  it('a bad list line is refused with its line number before any request', async () => {
    writeList([`s3://${Object.keys(FILES)[0]}`, 's3://commoncrawl/contrib/../../etc/passwd.jsonl.gz'])
    const before = s3.requests.length
    const result = await runBench(args(join(tmp(), 'bad')), {env})
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/DCB_POOL_INPUT.*line 2: .*"\.\." segment/)
    expect(s3.requests.length).toBe(before)
  })
})
