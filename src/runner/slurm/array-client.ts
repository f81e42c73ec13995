import {DcbError} from '../../errors.js'
import {FINAL_STATES, runSlurmTool, scontrolFields, slurmExit} from './client.js'

/**
 * The state of each task of a SLURM job array, from `scontrol show job -o ARRAYJOB` (one line per
 * started task; tasks still pending share one line whose ArrayTaskId is a range such as `3-8` or
 * `3,5-8%2`), else from accounting (`sacct -j ARRAYJOB`, rows `ARRAYJOB_TASK`, with slurmdbd).
 */

/** One array task's state. */
export interface ArrayTaskState {
  task: number
  state: string
  exitCode: number
  signal: number
  nodeList: string
}

const ARRAY_JOB_ID = /^\d{1,12}$/

/** The task ids of an ArrayTaskId value: `4`, `3-8`, `1,3-5`, each with an optional `%limit` (bounded: at most 100,000 ids). */
export function arrayTaskIds(value: string): number[] {
  const ids: number[] = []
  for (const part of value.replace(/%\d+$/, '').split(',')) {
    const m = /^(\d{1,9})(?:-(\d{1,9}))?(?::\d+)?$/.exec(part)
    if (!m) continue
    const from = Number(m[1])
    const to = Math.min(Number(m[2] ?? m[1]), from + 100_000)
    for (let id = from; id <= to && ids.length < 100_000; id++) ids.push(id)
  }
  return ids
}

/** Every task of the array SLURM still knows, by task id; undefined when it knows none. */
export async function arrayTaskStates(arrayJobId: string): Promise<Map<number, ArrayTaskState> | undefined> {
  if (!ARRAY_JOB_ID.test(arrayJobId)) throw new DcbError('DCB_SLURM_JOB', `job id ${JSON.stringify(arrayJobId.slice(0, 40))}: not a SLURM array job id`)
  const states = new Map<number, ArrayTaskState>()
  const shown = await runSlurmTool('scontrol', ['show', 'job', '-o', arrayJobId])
  if (shown.exitCode === 0) {
    for (const line of shown.stdout.split('\n')) {
      const f = scontrolFields(line)
      const state = f.get('JobState')
      if (!state || f.get('ArrayJobId') !== arrayJobId) continue
      for (const task of arrayTaskIds(f.get('ArrayTaskId') ?? '')) states.set(task, {task, state, ...slurmExit(f.get('ExitCode')), nodeList: f.get('NodeList') ?? ''})
    }
    if (states.size > 0) return states
  }
  // gone from slurmctld's memory (MinJobAge): the accounting records, where slurmdbd keeps them
  const acct = await runSlurmTool('sacct', ['-n', '-P', '-X', '-j', arrayJobId, '-o', 'jobid,state,exitcode,nodelist'])
  if (acct.exitCode === 0) {
    for (const cols of acct.stdout.split('\n').map((line) => line.split('|'))) {
      const m = new RegExp(`^${arrayJobId}_(\\d{1,9})$`).exec(cols[0] ?? '')
      if (m) states.set(Number(m[1]), {task: Number(m[1]), state: (cols[1] ?? '').split(' ')[0] as string, ...slurmExit(cols[2]), nodeList: cols[3] ?? ''})
    }
  }
  return states.size > 0 ? states : undefined
}

/** True when every one of the array's `count` tasks (1…count) has a final state. */
export function arrayDone(states: Map<number, ArrayTaskState>, count: number): boolean {
  for (let task = 1; task <= count; task++) if (!FINAL_STATES.has(states.get(task)?.state ?? '')) return false
  return true
}
