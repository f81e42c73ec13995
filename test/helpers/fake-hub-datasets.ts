import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join, relative} from 'node:path'

/**
 * A local stand-in for the Hugging Face hub's dataset download endpoints, on 127.0.0.1 only: tests
 * cannot reach the real hub (no network here), so @huggingface/hub is pointed at this server
 * (`hubUrl` / $HF_ENDPOINT). It implements what `bench eval fetch` makes @huggingface/hub call —
 * `GET /api/datasets/<repo>/revision/<rev>` (datasetInfo, with `sha` and `gated`), `GET
 * /api/datasets/<repo>/tree/<rev>` (listFiles, recursive) and `GET /datasets/<repo>/resolve/<rev>/<path>`
 * with and without HTTP Range (fileDownloadInfo + downloadFile) — serving the files of local folders
 * or of generated files. Files over LFS_THRESHOLD are listed as LFS files with their sha256, as the
 * hub lists webdataset tars and zips.
 *
 * Gated repos (WinoGAViL) answer as the hub does for a gated dataset — imitated from what
 * huggingface_hub reports as GatedRepoError, not checked against the live hub here: metadata and the
 * file listing are public; a file download without a token is HTTP 401, with the token of an
 * account that has not accepted the terms HTTP 403, both with `X-Error-Code: GatedRepo`.
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
  /** Lists `path` of `repo` with another size than it has (a listing that promises more than is served). */
  listSize(repo: string, path: string, size: number): void
  close(): Promise<void>
}

/** A file made on request (large fixtures are generated rather than kept in memory or on disk). */
export interface GeneratedFile {
  size: number
  bytes: () => Buffer
}

/** A repo: a local folder, or files by path; `gated` repos serve files only to `acceptedTokens`. */
export type FakeRepo = string | {dir?: string; files?: Record<string, Buffer | GeneratedFile>; gated?: 'auto' | 'manual'; acceptedTokens?: string[]}

const LFS_THRESHOLD = 1000

interface HubFile {
  path: string
  size: number
  bytes: () => Buffer
  sha256?: string
}

function folderFiles(dir: string): HubFile[] {
  const list: HubFile[] = []
  for (const entry of readdirSync(dir, {withFileTypes: true, recursive: true})) {
    if (!entry.isFile()) continue
    const data = readFileSync(join(entry.parentPath, entry.name))
    list.push({path: relative(dir, join(entry.parentPath, entry.name)), size: data.length, bytes: () => data})
  }
  return list
}

export async function startFakeDatasetHub(repos: Record<string, FakeRepo>): Promise<FakeDatasetHub> {
  const files = new Map<string, HubFile[]>()
  const gates = new Map<string, {gated: 'auto' | 'manual'; accepted: string[]}>()
  for (const [repo, spec] of Object.entries(repos)) {
    const list = typeof spec === 'string' ? folderFiles(spec) : spec.dir ? folderFiles(spec.dir) : []
    if (typeof spec !== 'string') {
      for (const [path, file] of Object.entries(spec.files ?? {})) list.push(Buffer.isBuffer(file) ? {path, size: file.length, bytes: () => file} : {path, ...file})
      if (spec.gated) gates.set(repo, {gated: spec.gated, accepted: spec.acceptedTokens ?? []})
    }
    files.set(repo, list.sort((a, b) => a.path.localeCompare(b.path)))
  }
  const sha256Of = (file: HubFile): string => (file.sha256 ??= createHash('sha256').update(file.bytes()).digest('hex'))
  const sha = (repo: string) => createHash('sha1').update(`commit:${repo}`).digest('hex')
  const requests: FakeDatasetHub['requests'] = []
  const cuts = new Map<string, number>()
  const corrupted = new Set<string>()
  const relisted = new Map<string, {path?: string; oid?: string; lfsOid?: string}>()
  const listedSizes = new Map<string, number>()
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
      return json(200, {_id: 'x', id: repo, sha: sha(repo), private: false, downloads: 0, likes: 0, gated: gates.get(repo)?.gated ?? false, lastModified: '2023-04-01T00:00:00.000Z'})
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
          const size = listedSizes.get(`${repo}/${f.path}`) ?? f.size
          const path = listed.path ?? f.path
          if (size <= LFS_THRESHOLD) {
            const data = f.bytes()
            return {type: 'file', oid: listed.oid ?? createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex'), size, path}
          }
          const lfsOid = listed.lfsOid ?? (corrupted.has(`${repo}/${f.path}`) ? createHash('sha256').update('not these bytes').digest('hex') : sha256Of(f))
          // For an LFS file the hub's `oid` is the git blob id of its pointer file.
          return {type: 'file', oid: listed.oid ?? createHash('sha1').update(`pointer ${lfsOid}`).digest('hex'), size, path, lfs: {oid: lfsOid, size, pointerSize: 134}}
        }),
      ])
    }
    m = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname)
    if (m) {
      const repo = m[1] as string
      const gate = gates.get(repo)
      if (gate) {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
        if (!token) return json(401, {error: `Access to dataset ${repo} is restricted. You must have access to it and be authenticated to access it. Please log in.`}, {'X-Error-Code': 'GatedRepo'})
        if (!gate.accepted.includes(token)) return json(403, {error: `Access to dataset ${repo} is restricted and you are not in the authorized list. Visit ${base}/datasets/${repo} to ask for access.`}, {'X-Error-Code': 'GatedRepo'})
      }
      const file = files.get(repo)?.find((f) => f.path === decodeURIComponent(m?.[3] as string))
      if (!file) {
        res.writeHead(404, {'X-Error-Code': 'EntryNotFound'})
        return res.end()
      }
      const data = file.bytes()
      const etag = `"${sha256Of(file)}"`
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
      if (range) {
        const start = Number(range[1])
        const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1
        res.writeHead(206, {'Content-Range': `bytes ${start}-${end}/${data.length}`, 'Content-Length': String(end - start + 1), ETag: etag, 'Content-Type': 'application/octet-stream'})
        return res.end(data.subarray(start, end + 1))
      }
      const cut = cuts.get(file.path)
      res.writeHead(200, {'Content-Length': String(data.length), ETag: etag, 'Content-Type': 'application/octet-stream'})
      if (cut !== undefined) {
        cuts.delete(file.path)
        res.write(data.subarray(0, cut), () => setTimeout(() => res.destroy(), 20))
        return
      }
      return res.end(data)
    }
    // a relisted file, whatever the client's URL normalisation made of its hostile path
    for (const [key, listed] of relisted) {
      const last = listed.path?.split('/').pop()
      if (!last || !url.pathname.endsWith(`/${last}`)) continue
      const [repo, ...rest] = key.split('/')
      const file = files.get(`${repo}/${rest[0]}`)?.find((f) => f.path === rest.slice(1).join('/'))
      if (!file) continue
      const data = file.bytes()
      res.writeHead(200, {'Content-Length': String(data.length), ETag: `"${sha256Of(file)}"`, 'Content-Type': 'application/octet-stream'})
      return res.end(data)
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
    listSize: (repo, path, size) => listedSizes.set(`${repo}/${path}`, size),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
