import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runBuildScript} from '../../../src/runner/build-script.js'
import {useTempDir} from '../../helpers/tmp.js'

describe('runBuildScript', () => {
  const tmp = useTempDir()

  it('reports each == phase as it comes and, on failure, the last non-blank line of either stream', async () => {
    const script = join(tmp(), 'build.sh')
    writeFileSync(script, 'echo "== base"\nseq 1 50000\necho "== image"\necho "E: Unable to locate package nope" >&2\necho\nexit 7\n')
    const phases: string[] = []
    const result = await runBuildScript(script, [], {cwd: tmp(), onPhase: (p) => phases.push(p)})
    expect(phases).toEqual(['base', 'image'])
    expect(result).toEqual({ok: false, exit: 7, lastLine: 'E: Unable to locate package nope'})
  })

  it('passes its arguments, and says "no output" for a silent failure', async () => {
    const script = join(tmp(), 'args.sh')
    writeFileSync(script, 'test "$1 $2" = "clip smoke" || exit 3\nprintf "done"\n')
    expect(await runBuildScript(script, ['clip', 'smoke'], {cwd: tmp()})).toEqual({ok: true, exit: 0, lastLine: 'done'})
    writeFileSync(script, 'exit 9\n')
    expect(await runBuildScript(script, [], {cwd: tmp()})).toEqual({ok: false, exit: 9, lastLine: 'no output'})
  })
})
