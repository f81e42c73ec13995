import {chmod, lchown, lstat, readdir} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../../errors.js'

/**
 * Who a training container runs as (docs/containers.md, "What the container may do"): never uid 0.
 * When bench runs as a user, the container runs as that user's uid:gid, so RUN stays theirs. When
 * bench runs as root, it runs as an unprivileged uid:gid (65532:65532, or `DCBENCH_CONTAINER_USER`)
 * and RUN is shared with it by group: RUN stays root's, gets that group, group write and the sticky
 * bit, so the trainer can create files in RUN but not remove or replace the harness's own — run.json,
 * recipe.json and logs/.
 */

/** A numeric user and group. */
export interface ContainerUser {
  uid: number
  gid: number
  /** Bench runs as root and the container as the unprivileged user: RUN must be shared with it (shareRunDir). */
  mapped: boolean
}

/**
 * The uid:gid a container runs as when bench runs as root: the `nonroot` user of distroless images,
 * above the ranges Debian allocates to system and login users, so no account of the host owns the
 * files a trainer writes.
 */
export const ROOT_MAPPED_USER = {uid: 65532, gid: 65532} as const

/** The environment variable that names another uid:gid for a root bench's containers. */
export const CONTAINER_USER_ENV = 'DCBENCH_CONTAINER_USER'

/** What the harness writes in RUN and the trainer must not replace (the sticky bit keeps them root's). */
const HOST_OWNED = new Set(['run.json', 'recipe.json', 'logs'])

/** The uid:gid of the training container for the current process. */
export function containerUser(env: NodeJS.ProcessEnv = process.env): ContainerUser {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined
  const gid = typeof process.getgid === 'function' ? process.getgid() : undefined
  // Windows has no uids; Docker Desktop's file sharing lets any container user write RUN.
  if (uid === undefined || gid === undefined) return {...ROOT_MAPPED_USER, mapped: false}
  if (uid !== 0) return {uid, gid, mapped: false}
  const configured = env[CONTAINER_USER_ENV]
  if (configured === undefined || configured === '') return {...ROOT_MAPPED_USER, mapped: true}
  const match = /^(\d{1,10}):(\d{1,10})$/.exec(configured.trim())
  const [mappedUid, mappedGid] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN]
  if (!(mappedUid > 0 && mappedGid > 0 && mappedUid < 2 ** 32 - 1 && mappedGid < 2 ** 32 - 1)) {
    throw new DcbError('DCB_CONTAINER_USER', `${CONTAINER_USER_ENV}=${JSON.stringify(configured)}: expected UID:GID, two numbers above 0 (a container never runs as root or in group 0)`, {
      suggestions: [`unset it to use ${ROOT_MAPPED_USER.uid}:${ROOT_MAPPED_USER.gid}, or set e.g. ${CONTAINER_USER_ENV}=1500:1500`],
    })
  }
  return {uid: mappedUid, gid: mappedGid, mapped: true}
}

/**
 * Before a container of a root bench starts: RUN becomes root:GID with mode 1775 (group write, sticky
 * bit); the harness's own entries (run.json, recipe.json, logs/) stay root's; everything else in RUN —
 * what earlier attempts wrote, or a local attempt as root — becomes the container user's so the trainer
 * can resume it. Links are changed, never followed (lchown), and never descended into.
 */
export async function shareRunDir(runDir: string, user: ContainerUser): Promise<void> {
  if (!user.mapped) return
  await lchown(runDir, 0, user.gid)
  await chmod(runDir, 0o1775)
  for (const name of await readdir(runDir)) {
    const path = join(runDir, name)
    if (HOST_OWNED.has(name)) await chownTree(path, 0, 0)
    else await chownTree(path, user.uid, user.gid)
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const info = await lstat(path)
  if (info.uid !== uid || info.gid !== gid) await lchown(path, uid, gid)
  if (info.isDirectory()) for (const name of await readdir(path)) await chownTree(join(path, name), uid, gid)
}
