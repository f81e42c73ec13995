import {execa} from 'execa'

/** A python3 interpreter on this host and what it can import. */
export interface HostPython {
  /** The candidate as given ($DCBENCH_PYTHON, `python3`, `/usr/bin/python3`). */
  path: string
  /** The interpreter's own path (sys.executable): tells Debian's /usr/bin/python3 from a venv's or pyenv's python3 on PATH. */
  executable?: string
  version: string
  torch?: string
  numpy?: string
}

const PROBE = [
  'import sys, json',
  'info = {"version": sys.version.split()[0], "executable": sys.executable}',
  'for name in ("torch", "numpy"):',
  '    try:',
  '        info[name] = __import__(name).__version__',
  '    except Exception:',
  '        pass',
  'print(json.dumps(info))',
].join('\n')

/**
 * Candidates in order: $DCBENCH_PYTHON, python3 on PATH, Debian's /usr/bin/python3 (where
 * python3-torch installs; a pyenv or venv python3 on PATH often lacks it).
 */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [env.DCBENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c))
  return [...new Set(candidates)]
}

export async function probePython(path: string): Promise<HostPython | undefined> {
  try {
    const {stdout} = await execa(path, ['-c', PROBE], {timeout: 60_000})
    return {path, ...(JSON.parse(stdout) as Omit<HostPython, 'path'>)}
  } catch {
    return undefined
  }
}

/** The first candidate that imports torch (and numpy), else the first that runs at all, else undefined. */
export async function findHostPython(env: NodeJS.ProcessEnv = process.env): Promise<HostPython | undefined> {
  const found: HostPython[] = []
  for (const candidate of pythonCandidates(env)) {
    const probe = await probePython(candidate)
    if (!probe) continue
    if (probe.torch && probe.numpy) return probe
    found.push(probe)
  }
  return found[0]
}
