import {execa} from 'execa'

import {findHostPython, type HostPython} from '../../src/runner/host-python.js'

let cached: Promise<HostPython | undefined> | undefined

/**
 * The host python3 with torch and numpy (Debian's /usr/bin/python3, installed by .ci/run) and the
 * versions it reported. Reference computations need it; tests fail, rather than skip, when it is
 * missing: CI always has it.
 */
export async function referencePythonInfo(): Promise<HostPython> {
  cached ??= findHostPython()
  const python = await cached
  if (!python?.torch || !python.numpy) throw new Error('no python3 with torch + numpy found; run .ci/run (it installs python3-torch) or set DCBENCH_PYTHON')
  return python
}

/** The path of the host python3 with torch and numpy (see referencePythonInfo). */
export async function referencePython(): Promise<string> {
  return (await referencePythonInfo()).path
}

/** Runs a python script file with arguments; returns stdout. Throws with stderr on failure. */
export async function runPython(script: string, args: string[] = [], options: {input?: string; timeout?: number} = {}): Promise<string> {
  const python = await referencePython()
  const result = await execa(python, [script, ...args], {input: options.input, timeout: options.timeout ?? 600_000, reject: false})
  if (result.exitCode !== 0) throw new Error(`${script} failed (${result.exitCode}):\n${result.stderr}`)
  return result.stdout
}
