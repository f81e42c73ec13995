import {execFileSync} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * Tests that spawn the real `bench` binary need dist/ and oclif.manifest.json to match src/: build
 * once per test run (a stale manifest would hide new commands).
 */
export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {stdio: 'inherit'})
  execFileSync(process.execPath, [join(root, 'scripts/oclif-manifest.mjs')], {stdio: 'inherit'})
}
