import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {repoRoot} from '../../helpers/cli.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * A process that stops cleanly on Ctrl-C while an execa child is alive (as `bench train --executor
 * slurm` polls squeue): execa's exit hook re-raises SIGINT when no other listener is left, which
 * killed the process mid-checkpoint when its own listener was a `process.once`.
 */
describe('onInterrupt', () => {
  const tempDir = useTempDir()
  it('survives the first SIGINT while an execa child runs, finishes its stop, and a second SIGINT exits 130', async () => {
    const script = join(tempDir(), 'stop.mjs')
    writeFileSync(script, `
      import {execa} from ${JSON.stringify(join(repoRoot, 'node_modules/execa/index.js'))}
      import {onInterrupt} from ${JSON.stringify(join(repoRoot, 'dist/ui/interrupt.js'))}
      const interrupt = onInterrupt(() => process.stderr.write('stopping\\n'))
      const poll = execa('sleep', ['30'], {reject: false})
      await new Promise((resolve) => interrupt.signal.addEventListener('abort', resolve))
      await new Promise((resolve) => setTimeout(resolve, 300))
      process.stderr.write('stopped cleanly\\n')
      if (process.argv[2] === 'twice') await new Promise((resolve) => setTimeout(resolve, 30_000))
      poll.kill()
      interrupt.dispose()
      process.exit(3)
    `)
    for (const mode of ['once', 'twice']) {
      const child = execa(process.execPath, [script, mode], {reject: false, forceKillAfterDelay: false})
      await new Promise((resolve) => setTimeout(resolve, 1000))
      child.kill('SIGINT')
      if (mode === 'twice') {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        child.kill('SIGINT')
      }
      const result = await child
      if (mode === 'once') {
        expect(result.exitCode, `${String(result.signal)} ${String(result.stderr)}`).toBe(3)
        expect(String(result.stderr)).toBe('stopping\nstopped cleanly')
      } else {
        expect(result.exitCode, `${String(result.signal)} ${String(result.stderr)}`).toBe(130)
      }
    }
  })
})
