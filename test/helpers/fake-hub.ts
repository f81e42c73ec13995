import {createHash} from 'node:crypto'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

/**
 * A local stand-in for the Hugging Face hub's commit API, listening on 127.0.0.1 only: the tests
 * cannot reach the real hub (no network here), so @huggingface/hub is pointed at this server. It
 * implements what uploadFiles calls — preupload, the git-lfs batch endpoint with the "basic"
 * transfer, the LFS PUT, and the ndjson commit — and keeps the committed files in memory.
 */
export interface FakeHub {
  url: string
  /** path in repo → bytes, per repo id (`datasets/ns/name` or `models/ns/name`). */
  repos: Map<string, Map<string, Buffer>>
  commits: {repo: string; title: string; files: string[]}[]
  /** Files sent through LFS rather than inline. */
  lfsPaths: string[]
  close(): Promise<void>
}

const LFS_THRESHOLD = 100_000

export async function startFakeHub(token: string): Promise<FakeHub> {
  const repos = new Map<string, Map<string, Buffer>>()
  const lfsObjects = new Map<string, Buffer>()
  const commits: FakeHub['commits'] = []
  const lfsPaths: string[] = []
  let base = ''

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', base)
    const reply = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, {'Content-Type': 'application/json', ...headers})
      res.end(JSON.stringify(json))
    }
    if (url.pathname.startsWith('/lfs-upload/')) {
      const oid = url.pathname.slice('/lfs-upload/'.length)
      if (createHash('sha256').update(body).digest('hex') !== oid) return reply(400, {error: 'sha256 mismatch'})
      lfsObjects.set(oid, body)
      return reply(200, {})
    }
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, {error: 'Invalid credentials in Authorization header'})
    let m = url.pathname.match(/^\/api\/(?:datasets|models)\/([^/]+\/[^/]+)\/preupload\/main$/)
    if (m && req.method === 'POST') {
      const payload = JSON.parse(body.toString()) as {files: {path: string; size: number}[]}
      return reply(200, {files: payload.files.map((f) => ({path: f.path, uploadMode: f.size > LFS_THRESHOLD ? 'lfs' : 'regular', shouldIgnore: false}))})
    }
    // Model repos have no type prefix here (as on the hub).
    m = url.pathname.match(/^\/(?:datasets\/)?([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/)
    if (m && req.method === 'POST') {
      const payload = JSON.parse(body.toString()) as {objects: {oid: string; size: number}[]}
      return reply(
        200,
        {transfer: 'basic', objects: payload.objects.map((o) => ({oid: o.oid, size: o.size, actions: {upload: {href: `${base}/lfs-upload/${o.oid}`}}}))},
        {'Content-Type': 'application/vnd.git-lfs+json'},
      )
    }
    m = url.pathname.match(/^\/api\/(datasets|models)\/([^/]+\/[^/]+)\/commit\/main$/)
    if (m && req.method === 'POST') {
      const repoId = `${m[1]}/${m[2]}`
      const repo = repos.get(repoId) ?? new Map<string, Buffer>()
      repos.set(repoId, repo)
      const lines = body.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as {key: string; value: Record<string, string>})
      const files: string[] = []
      let title = ''
      for (const {key, value} of lines) {
        if (key === 'header') title = value.summary ?? ''
        if (key === 'file') {
          repo.set(value.path as string, Buffer.from(value.content as string, 'base64'))
          files.push(value.path as string)
        }
        if (key === 'lfsFile') {
          const object = lfsObjects.get(value.oid as string)
          if (!object) return reply(400, {error: `LFS object ${value.oid} was never uploaded`})
          repo.set(value.path as string, object)
          files.push(value.path as string)
          lfsPaths.push(value.path as string)
        }
      }
      commits.push({repo: repoId, title, files})
      const oid = createHash('sha1').update(body).digest('hex')
      return reply(200, {commitOid: oid, commitUrl: `${base}/${repoId}/commit/${oid}`})
    }
    reply(404, {error: `not implemented here: ${req.method} ${url.pathname}`})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    repos,
    commits,
    lfsPaths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
