import {execFileSync} from 'node:child_process'
import {rmSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * Tests that spawn the real `bench` binary need dist/ and oclif.manifest.json to match src/: build
 * once per test run (a stale manifest would hide new commands). dist/ is emptied first: tsc never
 * deletes the output of a source file that was removed or renamed, and the manifest lists every
 * file under dist/commands, so a command deleted from src/ would live on in a reused dist/.
 */
export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  rmSync(join(root, 'dist'), {recursive: true, force: true})
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {stdio: 'inherit'})
  execFileSync(process.execPath, [join(root, 'scripts/oclif-manifest.mjs')], {stdio: 'inherit'})
}
