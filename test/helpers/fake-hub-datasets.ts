import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join, relative} from 'node:path'

/**
 * A local stand-in for the Hugging Face hub's dataset download endpoints, on 127.0.0.1 only: tests
 * cannot reach the real hub (no network here), so @huggingface/hub is pointed at this server
 * (`hubUrl` / $HF_ENDPOINT). It implements what `bench eval fetch` makes @huggingface/hub call —
 * `GET /api/datasets/<repo>/revision/<rev>` (datasetInfo, with `sha`), `GET /api/datasets/<repo>/tree/<rev>`
 * (listFiles, recursive) and `GET /datasets/<repo>/resolve/<rev>/<path>` with and without HTTP Range
 * (fileDownloadInfo + downloadFile) — serving the files of local folders. Files over LFS_THRESHOLD
 * are listed as LFS files with their sha256, as the hub lists webdataset tars.
 */
export interface FakeDatasetHub {
  url: string
  /** Every request: method, path and Range header. */
  requests: {method: string; path: string; range?: string}[]
  /** The next full download of `path` (any repo) stops after `bytes` bytes (the connection drops). */
  cutNext(path: string, bytes: number): void
  /** Lists `path` of `repo` with a wrong LFS sha256 (the downloaded bytes will not match it). */
  corrupt(repo: string, path: string): void
  /**
   * A hostile hub: lists `path` of `repo` under another path and/or object id (e.g. `../../x`), and
   * serves its bytes for any download URL that ends in the listed path's last segment.
   */
  listAs(repo: string, path: string, listed: {path?: string; oid?: string; lfsOid?: string}): void
  close(): Promise<void>
}

const LFS_THRESHOLD = 1000

interface HubFile {
  path: string
  data: Buffer
}

export async function startFakeDatasetHub(repos: Record<string, string>): Promise<FakeDatasetHub> {
  const files = new Map<string, HubFile[]>()
  for (const [repo, dir] of Object.entries(repos)) {
    const list: HubFile[] = []
    for (const entry of readdirSync(dir, {withFileTypes: true, recursive: true})) {
      if (entry.isFile()) list.push({path: relative(dir, join(entry.parentPath, entry.name)), data: readFileSync(join(entry.parentPath, entry.name))})
    }
    files.set(repo, list.sort((a, b) => a.path.localeCompare(b.path)))
  }
  const sha = (repo: string) => createHash('sha1').update(`commit:${repo}`).digest('hex')
  const requests: FakeDatasetHub['requests'] = []
  const cuts = new Map<string, number>()
  const corrupted = new Set<string>()
  const relisted = new Map<string, {path?: string; oid?: string; lfsOid?: string}>()
  let base = ''

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base)
    requests.push({method: req.method ?? 'GET', path: url.pathname, range: req.headers.range})
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {'Content-Type': 'application/json', ...headers})
      res.end(JSON.stringify(body))
    }
    let m = /^\/api\/datasets\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname)
    if (m) {
      const repo = m[1] as string
      if (!files.has(repo)) return json(404, {error: 'Repository not found'}, {'X-Error-Code': 'RepoNotFound'})
      return json(200, {_id: 'x', id: repo, sha: sha(repo), private: false, downloads: 0, likes: 0, gated: false, lastModified: '2023-04-01T00:00:00.000Z'})
    }
    m = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(url.pathname)
    if (m) {
      const repo = m[1] as string
      const list = files.get(repo)
      if (!list) return json(404, {error: 'Repository not found'})
      const dirs = [...new Set(list.map((f) => f.path.split('/').slice(0, -1).join('/')).filter(Boolean))]
      return json(200, [
        ...dirs.map((d) => ({type: 'directory', oid: createHash('sha1').update(d).digest('hex'), size: 0, path: d})),
        ...list.map((f) => {
          const listed = relisted.get(`${repo}/${f.path}`) ?? {}
          const oid = listed.oid ?? createHash('sha1').update(`blob ${f.data.length}\0`).update(f.data).digest('hex')
          const lfsOid = listed.lfsOid ?? (corrupted.has(`${repo}/${f.path}`) ? createHash('sha256').update('not these bytes').digest('hex') : createHash('sha256').update(f.data).digest('hex'))
          const path = listed.path ?? f.path
          return f.data.length > LFS_THRESHOLD ? {type: 'file', oid, size: f.data.length, path, lfs: {oid: lfsOid, size: f.data.length, pointerSize: 134}} : {type: 'file', oid, size: f.data.length, path}
        }),
      ])
    }
    m = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname)
    if (m) {
      const file = files.get(m[1] as string)?.find((f) => f.path === decodeURIComponent(m?.[3] as string))
      if (!file) {
        res.writeHead(404, {'X-Error-Code': 'EntryNotFound'})
        return res.end()
      }
      const etag = `"${createHash('sha256').update(file.data).digest('hex')}"`
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
      if (range) {
        const start = Number(range[1])
        const end = range[2] ? Math.min(Number(range[2]), file.data.length - 1) : file.data.length - 1
        res.writeHead(206, {'Content-Range': `bytes ${start}-${end}/${file.data.length}`, 'Content-Length': String(end - start + 1), ETag: etag, 'Content-Type': 'application/octet-stream'})
        return res.end(file.data.subarray(start, end + 1))
      }
      const cut = cuts.get(file.path)
      res.writeHead(200, {'Content-Length': String(file.data.length), ETag: etag, 'Content-Type': 'application/octet-stream'})
      if (cut !== undefined) {
        cuts.delete(file.path)
        res.write(file.data.subarray(0, cut), () => setTimeout(() => res.destroy(), 20))
        return
      }
      return res.end(file.data)
    }
    // a relisted file, whatever the client's URL normalisation made of its hostile path
    for (const [key, listed] of relisted) {
      const last = listed.path?.split('/').pop()
      if (!last || !url.pathname.endsWith(`/${last}`)) continue
      const [repo, ...rest] = key.split('/')
      const file = files.get(`${repo}/${rest[0]}`)?.find((f) => f.path === rest.slice(1).join('/'))
      if (!file) continue
      res.writeHead(200, {'Content-Length': String(file.data.length), ETag: `"${createHash('sha256').update(file.data).digest('hex')}"`, 'Content-Type': 'application/octet-stream'})
      return res.end(file.data)
    }
    json(404, {error: `fake hub: no route for ${req.method} ${url.pathname}`})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    requests,
    cutNext: (path, bytes) => cuts.set(path, bytes),
    corrupt: (repo, path) => corrupted.add(`${repo}/${path}`),
    listAs: (repo, path, listed) => relisted.set(`${repo}/${path}`, listed),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
