import {checkDocker, checkPython} from '../doctor/checks.js'
import {benchInvocation} from '../doctor/python-hint.js'
import {DcbError} from '../errors.js'
import {noDockerEngine} from '../runner/executors/docker.js'

export interface QuickstartEnvironment {
  executor: 'docker' | 'local'
  /** One line each: what was found and what it means for this run. */
  notes: string[]
}

/**
 * Picks where the tiny trainings run: the CPU image on the Docker engine when it answers, else the
 * host's python3 with torch. Neither → one error saying how to get either.
 */
export async function chooseExecutor(requested: 'docker' | 'local' | 'auto', fixCommand = `${benchInvocation()} doctor --fix`): Promise<QuickstartEnvironment> {
  const [docker, python] = await Promise.all([requested === 'local' ? undefined : checkDocker(), requested === 'docker' ? undefined : checkPython()])
  if (requested === 'docker' && docker?.status !== 'ok') {
    throw noDockerEngine(docker?.detail)
  }
  if (requested === 'local' && python?.status !== 'ok') {
    throw new DcbError('DCB_NO_PYTHON', `--executor local needs python3 with torch and numpy: ${python?.detail}; ${python?.fix}`)
  }
  if (docker?.status === 'ok') return {executor: 'docker', notes: [`docker: ${docker.detail} — trainings run in the CPU image (built on first use, a few minutes)`]}
  if (python?.status === 'ok') {
    return {executor: 'local', notes: [`docker: ${docker?.detail ?? 'not asked'} — training with the host's python instead`, `python: ${python.detail}`]}
  }
  throw new DcbError('DCB_NO_TRAINER', `nothing can train the tiny models: the Docker ${docker?.detail} and ${python?.detail}`, {
    suggestions: [`run: ${fixCommand} --yes`, python?.fix ?? '', `or for the Docker engine instead: ${fixCommand} --executor docker --yes`].filter(Boolean),
  })
}
