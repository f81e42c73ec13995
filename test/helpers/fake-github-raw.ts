import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

/**
 * A local stand-in for GitHub's raw file host (raw.githubusercontent.com), on 127.0.0.1 only: it
 * serves `GET|HEAD /<owner>/<repo>/<commit>/<path>` with Content-Length and HTTP Range, as the real
 * host does for plain (not LFS) files, from an in-memory map. Tests point
 * `bench eval fetch --benchmark dclm --source URL` at it: they cannot reach GitHub.
 */
export interface FakeGithubRaw {
  url: string
  /** Every request: method, path and Range header. */
  requests: {method: string; path: string; range?: string}[]
  /** The next full download of a path ending in `suffix` stops after `bytes` bytes (the connection drops). */
  cutNext(suffix: string, bytes: number): void
  close(): Promise<void>
}

/** `files`: repo path (`owner/repo/commit/path`) → bytes. */
export async function startFakeGithubRaw(files: Map<string, Buffer>): Promise<FakeGithubRaw> {
  const requests: FakeGithubRaw['requests'] = []
  const cuts = new Map<string, number>()
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1)
    requests.push({method: req.method ?? 'GET', path, range: req.headers.range})
    const data = files.get(path)
    if (!data) {
      res.writeHead(404, {'Content-Type': 'text/plain; charset=utf-8'})
      return res.end('404: Not Found')
    }
    const headers = {'Content-Type': 'text/plain; charset=utf-8', 'Accept-Ranges': 'bytes', ETag: `"${data.length}"`}
    if (req.method === 'HEAD') {
      res.writeHead(200, {...headers, 'Content-Length': String(data.length)})
      return res.end()
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    if (range) {
      const start = Number(range[1])
      if (start >= data.length) {
        res.writeHead(416, {'Content-Range': `bytes */${data.length}`})
        return res.end()
      }
      res.writeHead(206, {...headers, 'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}`, 'Content-Length': String(data.length - start)})
      return res.end(data.subarray(start))
    }
    res.writeHead(200, {...headers, 'Content-Length': String(data.length)})
    const cut = [...cuts].find(([suffix]) => path.endsWith(suffix))
    if (cut) {
      cuts.delete(cut[0])
      res.write(data.subarray(0, cut[1]), () => setTimeout(() => res.destroy(), 20))
      return
    }
    res.end(data)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    cutNext: (suffix, bytes) => cuts.set(suffix, bytes),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
