import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

let cachedRoot: string | undefined

/**
 * The dcbench package root (the folder with its package.json), found by walking up from this
 * module, so data folders (tracks/, evaluators/, containers/) resolve the same from src/ under
 * vitest and from dist/ when installed.
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as {name?: string}).name === 'dcbench') {
      cachedRoot = dir
      return dir
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error('dcbench package root not found above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
}

/** The harness version (package.json), recorded in run manifests and leaderboard entries. */
export function harnessVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {version: string}).version
}
