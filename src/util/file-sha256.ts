import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'

import {DcbError} from '../errors.js'

/**
 * sha256 (hex) of a file's bytes, streamed in constant memory: what run manifests, training-data
 * manifests and leaderboard entries record of the files they name. An unreadable file is a one-line
 * DcbError naming it.
 */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DcbError('DCB_FILE', `${file}: ${code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, expected a file' : `cannot read (${code})`}`)
  }
  return hash.digest('hex')
}
