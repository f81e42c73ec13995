import {createServer, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

/**
 * A loopback stand-in for the web that pool images come from (127.0.0.1 only; tests have no
 * network). Each path answers as one kind of image host does: an image (any bytes given), a 404, a
 * redirect, a server that never answers (a timeout), an X-Robots-Tag header, or a body larger than
 * any image (sent chunked, without a Content-Length). Every request is logged, so a test can see
 * what a resumed download fetched again.
 */
export type Route =
  | {kind: 'bytes'; body: Buffer; contentType?: string; headers?: Record<string, string | string[]>}
  | {kind: 'status'; status: number}
  | {kind: 'redirect'; to: string}
  | {kind: 'hang'}
  | {kind: 'huge'; bytes: number}

export interface ImageServer {
  url: string
  requests: {path: string; userAgent?: string}[]
  /** How many times `path` was requested. */
  hits(path: string): number
  close(): Promise<void>
}

export async function startImageServer(routes: Record<string, Route>): Promise<ImageServer> {
  const requests: ImageServer['requests'] = []
  const hanging = new Set<ServerResponse>()
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] as string
    requests.push({path, userAgent: request.headers['user-agent']})
    const route = routes[path]
    if (!route) {
      response.writeHead(404, 'Not Found').end('no such image')
      return
    }
    switch (route.kind) {
      case 'bytes':
        response.writeHead(200, {'Content-Type': route.contentType ?? 'application/octet-stream', 'Content-Length': route.body.length, ...route.headers}).end(route.body)
        return
      case 'status':
        response.writeHead(route.status).end()
        return
      case 'redirect':
        response.writeHead(302, {Location: route.to}).end()
        return
      case 'hang':
        hanging.add(response)
        return
      case 'huge': {
        response.writeHead(200, {'Content-Type': 'image/jpeg'})
        const chunk = Buffer.alloc(1 << 20, 0xff)
        let sent = 0
        const pump = (): void => {
          while (sent < route.bytes) {
            sent += chunk.length
            if (!response.write(chunk)) return void response.once('drain', pump)
          }
          response.end()
        }
        response.on('close', () => (sent = route.bytes))
        pump()
        return
      }
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    requests,
    hits: (path) => requests.filter((r) => r.path === path).length,
    close: async () => {
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
