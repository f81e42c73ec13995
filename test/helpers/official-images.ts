import {join} from 'node:path'

import {execa} from 'execa'

import {repoRoot} from './cli.js'
import {sharedDir} from './shared.js'

/**
 * The official smoke images (containers/official/build.sh) for tests: built offline from
 * shared/vendor/python when missing (the first build takes minutes; an unchanged tree builds nothing).
 */
export async function officialSmokeImage(kind: 'clip' | 'lm'): Promise<string> {
  const script = join(repoRoot, 'containers/official/build.sh')
  const built = await execa('bash', [script, kind, 'smoke', '--vendor', join(sharedDir(), 'vendor', 'python')], {cwd: repoRoot, reject: false, all: true})
  if (built.exitCode !== 0) throw new Error(`${script} ${kind} smoke failed:\n${built.all?.split('\n').slice(-15).join('\n')}`)
  return built.stdout.trim().split('\n').pop() as string
}
