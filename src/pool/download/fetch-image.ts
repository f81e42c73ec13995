import http, {type IncomingMessage} from 'node:http'
import https from 'node:https'

/**
 * One image URL fetched as img2dataset 1.40's `download_image_with_retry` (downloader.py) fetches it:
 * a GET with its User-Agent, a 10 s socket timeout, up to `retries` more tries after a failure, and
 * the response refused when an `X-Robots-Tag` header carries a disallowed directive (by default
 * noai, noimageai, noindex, noimageindex) for every agent or for our token. Error texts follow
 * urllib's (`HTTP Error 404: Not Found`, `<urlopen error timed out>`), since they are the keys of
 * `_stats.json`'s status_dict. Deviations, for hostile servers: only http(s) URLs (urllib would
 * open file:// too), at most MAX_REDIRECTS redirects (urllib's limit) and MAX_IMAGE_BYTES per body
 * (urllib has no limit), and no more than `perHost` requests in flight to one host.
 */

/** img2dataset's default disallowed_header_directives. */
export const DISALLOWED_DIRECTIVES: readonly string[] = ['noai', 'noimageai', 'noindex', 'noimageindex']

/** urllib's HTTPRedirectHandler.max_redirections. */
export const MAX_REDIRECTS = 10

/** Largest response body read (bytes); a larger one fails the sample. */
export const MAX_IMAGE_BYTES = 64 << 20

/** The user-agent token in our User-Agent, the one X-Robots-Tag directives may name. */
export const USER_AGENT_TOKEN = 'dcbench'

/** img2dataset's User-Agent with a user_agent_token, naming dcbench. */
export const USER_AGENT = `Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:72.0) Gecko/20100101 Firefox/72.0 (compatible; ${USER_AGENT_TOKEN}; +https://github.com/rom1504/img2dataset)`

export interface FetchImageOptions {
  /** Seconds without progress before a try fails (img2dataset's `timeout`, 10). */
  timeoutSeconds: number
  /** Further tries after a failed one (DataComp: 2). */
  retries: number
  /** Directives of X-Robots-Tag that refuse an image (lowercase). */
  disallowed?: readonly string[]
  maxBytes?: number
  /** Waits for a free slot for `host` and returns its release (politeness). */
  acquireHost?: (host: string) => Promise<() => void>
}

/** The image's bytes, or the error text img2dataset would count. */
export type FetchImageResult = {ok: true; bytes: Buffer} | {ok: false; error: string}

/** downloader.py's is_disallowed over every X-Robots-Tag header line. */
export function robotsDisallow(values: readonly string[], token: string, disallowed: readonly string[]): boolean {
  for (const value of values) {
    // values.split(":", 1): "agent: d1, d2" names an agent (not stripped, as in Python); no colon means every agent
    const colon = value.indexOf(':')
    const directives = (colon >= 0 ? value.slice(colon + 1) : value).split(',').map((d) => d.trim().toLowerCase())
    const agent = colon >= 0 ? value.slice(0, colon).toLowerCase() : undefined
    if ((agent === undefined || agent === token) && directives.some((d) => disallowed.includes(d))) return true
  }
  return false
}

function urlopenError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return '<urlopen error [Errno 111] Connection refused>'
    case 'ENOTFOUND':
      return '<urlopen error [Errno -2] Name or service not known>'
    case 'ECONNRESET':
      return '[Errno 104] Connection reset by peer'
    default:
      return `<urlopen error ${error.message}>`
  }
}

/** One GET (following redirects): the body, or the error text. */
function getOnce(url: string, options: FetchImageOptions, redirects = 0): Promise<FetchImageResult> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return Promise.resolve({ok: false, error: `unknown url type: '${url}'`})
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return Promise.resolve({ok: false, error: `<urlopen error unknown url type: ${parsed.protocol.replace(':', '')}>`})
  const maxBytes = options.maxBytes ?? MAX_IMAGE_BYTES
  return new Promise((resolve) => {
    let settled = false
    let gotHeaders = false
    const finish = (result: FetchImageResult): void => {
      if (settled) return
      settled = true
      request.destroy()
      resolve(result)
    }
    const client = parsed.protocol === 'https:' ? https : http
    const request = client.get(parsed, {headers: {'User-Agent': USER_AGENT, Connection: 'close'}, agent: false}, (response: IncomingMessage) => {
      gotHeaders = true
      const status = response.statusCode ?? 0
      const location = response.headers.location
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        response.resume()
        if (redirects >= MAX_REDIRECTS) return finish({ok: false, error: `HTTP Error ${status}: The HTTP server returned a redirect error that would lead to an infinite loop.`})
        settled = true
        request.destroy()
        resolve(getOnce(new URL(location, parsed).toString(), options, redirects + 1))
        return
      }
      if (status < 200 || status >= 300) {
        response.resume()
        return finish({ok: false, error: `HTTP Error ${status}: ${response.statusMessage ?? ''}`})
      }
      const robots: string[] = []
      for (let i = 0; i < response.rawHeaders.length; i += 2) if ((response.rawHeaders[i] as string).toLowerCase() === 'x-robots-tag') robots.push(response.rawHeaders[i + 1] as string)
      if (robotsDisallow(robots, USER_AGENT_TOKEN, options.disallowed ?? DISALLOWED_DIRECTIVES)) {
        response.resume()
        return finish({ok: false, error: 'Use of image disallowed by X-Robots-Tag directive'})
      }
      const declared = Number(response.headers['content-length'])
      if (Number.isFinite(declared) && declared > maxBytes) return finish({ok: false, error: `response of ${declared} bytes is over the ${maxBytes}-byte limit`})
      // With a declared length the body is read straight into one buffer of that size (no list of
      // chunks joined at the end: one copy and one allocation less per image); a body longer than it
      // declared fails as one over a limit would.
      const limit = Number.isFinite(declared) && declared >= 0 ? declared : maxBytes
      const body = Number.isFinite(declared) && declared >= 0 ? Buffer.allocUnsafeSlow(declared) : undefined
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        if (size + chunk.length > limit) return finish({ok: false, error: body ? `response longer than its Content-Length (${declared})` : `response over the ${maxBytes}-byte limit`})
        if (body) chunk.copy(body, size)
        else chunks.push(chunk)
        size += chunk.length
      })
      response.on('end', () => finish(response.complete ? {ok: true, bytes: body ? body.subarray(0, size) : Buffer.concat(chunks)} : {ok: false, error: 'IncompleteRead'}))
      response.on('error', (error) => finish({ok: false, error: urlopenError(error)}))
    })
    // urllib's timeout is per socket operation: no progress for that long fails the try.
    request.setTimeout(options.timeoutSeconds * 1000, () => finish({ok: false, error: gotHeaders ? 'The read operation timed out' : '<urlopen error timed out>'}))
    request.on('error', (error: NodeJS.ErrnoException) => finish({ok: false, error: urlopenError(error)}))
  })
}

/** download_image_with_retry: up to 1 + retries tries; the last error when all fail. */
export async function fetchImage(url: string, options: FetchImageOptions): Promise<FetchImageResult> {
  let host = ''
  try {
    host = new URL(url).host
  } catch {
    // an unparsable URL fails in getOnce with urllib's text
  }
  let last: FetchImageResult = {ok: false, error: 'not tried'}
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    const release = options.acquireHost ? await options.acquireHost(host) : () => {}
    try {
      last = await getOnce(url, options)
    } finally {
      release()
    }
    if (last.ok) return last
  }
  return last
}
