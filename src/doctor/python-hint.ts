import type {HostPython} from '../runner/host-python.js'

/** Debian's (and Ubuntu's) system python3: the one `apt-get install python3-torch` gives torch to. */
export const DEBIAN_PYTHON = '/usr/bin/python3'

/** How the user runs bench: `npx bench` (npm sets npm_command=exec) or `bench`, for commands named in hints. */
export function benchInvocation(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_command === 'exec' ? 'npx bench' : 'bench'
}

/** The python in use is Debian's /usr/bin/python3 (or there is none, so apt's would be the one). */
export function isDebianPython(python: HostPython | undefined): boolean {
  if (!python) return true
  return (python.executable ?? python.path) === DEBIAN_PYTHON
}

/**
 * How to get a python3 that can train, for every no-trainer/no-torch message: always names
 * DCBENCH_PYTHON; names `apt-get install python3-torch` only when apt would fix the python in use
 * (Debian's /usr/bin/python3) — for a venv or pyenv python3 on PATH that advice installs torch
 * where this python never looks.
 */
export function pythonFixHint(python: HostPython | undefined, fixCommand = `${benchInvocation()} doctor --fix`): string {
  if (isDebianPython(python)) {
    return `${fixCommand} (apt-get install python3-torch python3-numpy python3-pil python3-regex), or set DCBENCH_PYTHON to a python3 that has torch and numpy`
  }
  const exe = python?.executable ?? python?.path
  return `${exe} is not Debian's ${DEBIAN_PYTHON}: set DCBENCH_PYTHON to a python3 that has torch and numpy (or install torch, numpy, pillow and regex into ${exe}); on Debian/Ubuntu ${fixCommand} installs them for ${DEBIAN_PYTHON}, which bench then uses`
}
