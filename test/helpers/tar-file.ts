import {buffer} from 'node:stream/consumers'

import tar from 'tar-stream'

/** The bytes of a tar holding these members, in order. */
export async function tarFile(members: readonly (readonly [name: string, content: Buffer | string])[]): Promise<Buffer> {
  const pack = tar.pack()
  const bytes = buffer(pack)
  for (const [name, content] of members) pack.entry({name, mtime: new Date(0)}, content)
  pack.finalize()
  return bytes
}
