import {createHash} from 'node:crypto'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

/**
 * A local stand-in for S3 on 127.0.0.1 (tests have no network), speaking the two calls
 * `bench pool download --benchmark dclm` makes through @aws-sdk/client-s3, path-style:
 * HeadObject (`HEAD /bucket/key`) and GetObject (`GET /bucket/key`, with or without Range), with
 * S3's status codes and XML error bodies (NoSuchKey, InvalidAccessKeyId). It reads the access key
 * id from the SigV4 Authorization header and refuses unknown ones; it does not verify signatures
 * (that needs the secret, which is the SDK's business, not what is tested here).
 */
export interface FakeS3 {
  url: string
  requests: {method: string; path: string; range?: string}[]
  /** The next GET of `key` sends `bytes` bytes of the body, then drops the connection. */
  cutNext(key: string, bytes: number): void
  close(): Promise<void>
}

export async function startFakeS3(objects: Record<string, Buffer>, accessKeys: readonly string[]): Promise<FakeS3> {
  const requests: FakeS3['requests'] = []
  const cuts = new Map<string, number>()
  const xml = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0] as string)
    const range = request.headers.range
    requests.push({method: request.method ?? '', path, range})
    const key = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1]
    if (!key || !accessKeys.includes(key)) {
      const body = xml('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.')
      response.writeHead(403, {'Content-Type': 'application/xml', ...(request.method === 'HEAD' ? {} : {'Content-Length': Buffer.byteLength(body)})}).end(request.method === 'HEAD' ? undefined : body)
      return
    }
    const object = objects[path.slice(1)]
    if (!object) {
      const body = xml('NoSuchKey', 'The specified key does not exist.')
      response.writeHead(404, {'Content-Type': 'application/xml'}).end(request.method === 'HEAD' ? undefined : body)
      return
    }
    const etag = `"${createHash('md5').update(object).digest('hex')}"`
    if (request.method === 'HEAD') {
      response.writeHead(200, {'Content-Length': object.length, ETag: etag, 'Accept-Ranges': 'bytes'}).end()
      return
    }
    const match = /^bytes=(\d+)-$/.exec(range ?? '')
    const start = match ? Number(match[1]) : 0
    const body = object.subarray(start)
    const headers = {'Content-Length': body.length, ETag: etag, 'Content-Type': 'application/octet-stream', ...(match ? {'Content-Range': `bytes ${start}-${object.length - 1}/${object.length}`} : {})}
    response.writeHead(match ? 206 : 200, headers)
    const cut = cuts.get(path.slice(1))
    if (cut !== undefined && !match) {
      cuts.delete(path.slice(1))
      response.write(body.subarray(0, cut), () => response.destroy())
      return
    }
    response.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    cutNext: (key, bytes) => void cuts.set(key, bytes),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
