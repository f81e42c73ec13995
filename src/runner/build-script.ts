import {execa} from 'execa'

/** How an image build script ended: its exit (or signal) and its last non-blank output line. */
export interface BuildScriptResult {
  ok: boolean
  /** The exit code, or the signal's name when a signal ended it. */
  exit: number | string
  /** The last non-blank line of stdout + stderr ("no output" when there was none): what the error shows. */
  lastLine: string
}

/**
 * Runs an image build script (containers/cpu/build.sh, containers/official/build.sh): each `== phase`
 * line it prints is reported as it happens, and only the last line is kept, so a build of any length
 * holds no more than one line in memory.
 */
export async function runBuildScript(script: string, args: readonly string[], options: {cwd: string; onPhase?: (phase: string) => void}): Promise<BuildScriptResult> {
  const child = execa('bash', [script, ...args], {cwd: options.cwd, all: true, reject: false, buffer: false})
  let pending = ''
  let lastLine = ''
  child.all?.setEncoding('utf8')
  child.all?.on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() !== '') lastLine = line.trim()
      if (line.startsWith('== ')) options.onPhase?.(line.slice(3))
    }
  })
  const result = await child
  if (pending.trim() !== '') lastLine = pending.trim()
  return {ok: result.exitCode === 0, exit: result.exitCode ?? result.signal ?? 'unknown', lastLine: lastLine || 'no output'}
}
