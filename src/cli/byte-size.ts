import {DcbError} from '../errors.js'

const UNITS: Record<string, number> = {'': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3, t: 1e12, tb: 1e12, tib: 1024 ** 4}

/** Parses a size flag such as `512MiB`, `4GB` or `1048576`. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = match ? UNITS[(match[2] as string).toLowerCase()] : undefined
  if (!match || unit === undefined) throw new DcbError('DCB_USAGE', `${flag} ${JSON.stringify(text)}: expected a size such as 512MiB, 4GiB or 1000000`)
  const bytes = Math.floor(Number(match[1]) * unit)
  if (bytes < 1) throw new DcbError('DCB_USAGE', `${flag} ${JSON.stringify(text)}: must be at least 1 byte`)
  return bytes
}
