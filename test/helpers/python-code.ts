import {execa} from 'execa'

import {referencePython} from './python.js'

/** Runs inline python code (`python3 -c CODE ARGS…`) with the reference python (numpy importable); returns stdout. */
export async function runPythonCode(code: string, args: string[] = []): Promise<string> {
  const python = await referencePython()
  const result = await execa(python, ['-c', code, ...args], {reject: false, timeout: 600_000})
  if (result.exitCode !== 0) throw new Error(`python -c failed (${result.exitCode}):\n${result.stderr}`)
  return result.stdout
}
