import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {fetchImage} from '../../../src/pool/download/fetch-image.js'

/**
 * The body paths of fetch-image.ts on a loopback server: a declared Content-Length is read into one
 * buffer of that size, a chunked body (no length) is joined from its chunks; both give the bytes
 * sent, in many network chunks; a body cut short of its declared length fails (the connection
 * closed under it reads as a reset, as it did before the single-buffer path), and the size caps hold
 * on both paths.
 */
const body = Buffer.from(Array.from({length: 3 << 20}, (_, i) => (i * 7919) & 255))
let server: Server
let base = ''

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/declared') return void response.writeHead(200, {'Content-Length': body.length}).end(body)
    if (request.url === '/chunked') {
      response.writeHead(200)
      for (let at = 0; at < body.length; at += 100_000) response.write(body.subarray(at, at + 100_000))
      return void response.end()
    }
    if (request.url === '/short') {
      response.writeHead(200, {'Content-Length': body.length})
      response.write(body.subarray(0, 1000), () => response.destroy())
      return
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe('fetchImage bodies', () => {
  const options = {timeoutSeconds: 5, retries: 0}

  it('reads a declared-length body and a chunked one to the same bytes', async () => {
    for (const path of ['/declared', '/chunked']) {
      const result = await fetchImage(`${base}${path}`, options)
      expect(result.ok, path).toBe(true)
      if (result.ok) expect(result.bytes.equals(body), path).toBe(true)
    }
  })

  it('fails a body cut short of its Content-Length, and keeps the size caps on both paths', async () => {
    // Only the error text is compared: a diff of a 3 MiB body would not help anyone.
    const error = async (path: string, maxBytes?: number): Promise<string | undefined> => {
      const result = await fetchImage(`${base}${path}`, {...options, ...(maxBytes ? {maxBytes} : {})})
      return result.ok ? `ok with ${result.bytes.length} bytes` : result.error
    }
    expect(await error('/short')).toBe('[Errno 104] Connection reset by peer')
    expect(await error('/declared', 1 << 20)).toBe(`response of ${body.length} bytes is over the ${1 << 20}-byte limit`)
    expect(await error('/chunked', 1 << 20)).toBe(`response over the ${1 << 20}-byte limit`)
  })
})
