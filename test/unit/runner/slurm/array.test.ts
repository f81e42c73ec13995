import {describe, expect, it} from 'vitest'

import {arrayDone, arrayTaskIds, type ArrayTaskState} from '../../../../src/runner/slurm/array-client.js'
import {slurmArrayScript, type SlurmArrayJob} from '../../../../src/runner/slurm/array-script.js'

const job: SlurmArrayJob = {
  jobName: 'dcbench-eval-datacomp-eval',
  workDir: '/shared/runs/m1/eval',
  outputFile: '/shared/runs/m1/eval/slurm/eval-%A_%a.out',
  count: 4,
  cpusPerTask: 2,
  site: {partition: 'cpu', time: '60', sbatchArgs: ['--exclusive'], requeue: false, signal: 'B:USR1@120'},
  node: '/usr/bin/node',
  checkout: '/shared/dcbench',
  benchArgs: ['eval', '--model', "/shared/it's/model", '--shard', '{task}/4'],
}

describe('the job array script (bench eval --executor slurm)', () => {
  it('has the array, the site lines, the node check first and bench with the task id expanded on the node', () => {
    const script = slurmArrayScript(job)
    const lines = script.split('\n')
    expect(lines.filter((l) => l.startsWith('#SBATCH'))).toEqual([
      '#SBATCH --job-name=dcbench-eval-datacomp-eval', '#SBATCH --array=1-4', '#SBATCH --nodes=1', '#SBATCH --ntasks=1', '#SBATCH --cpus-per-task=2',
      '#SBATCH --output=/shared/runs/m1/eval/slurm/eval-%A_%a.out', '#SBATCH --open-mode=append', '#SBATCH --chdir=/shared/runs/m1/eval',
      '#SBATCH --no-requeue', '#SBATCH --partition=cpu', '#SBATCH --time=60', '#SBATCH --exclusive',
    ])
    expect(script.indexOf('node_fail')).toBeLessThan(script.indexOf('exec '))
    expect(lines.at(-2)).toBe(`exec "$dcbench_node" "$dcbench_checkout/bin/run.js" eval --model '/shared/it'\\''s/model' --shard "$SLURM_ARRAY_TASK_ID"/4`)
    expect(script).toContain('dcbench_node="${DCBENCH_SLURM_NODE:-/usr/bin/node}"')
  })

  it('refuses paths that would split an #SBATCH line', () => {
    expect(() => slurmArrayScript({...job, workDir: '/a b'})).toThrow(/"\/a b": a path with blanks/)
  })
})

describe('array task states', () => {
  it('reads ArrayTaskId values: one id, ranges, lists and %limits', () => {
    expect(arrayTaskIds('3')).toEqual([3])
    expect(arrayTaskIds('2-4')).toEqual([2, 3, 4])
    expect(arrayTaskIds('1,3-4%2')).toEqual([1, 3, 4])
    expect(arrayTaskIds('junk')).toEqual([])
  })

  it('is done when every task 1…N has a final state', () => {
    const s = (task: number, state: string): [number, ArrayTaskState] => [task, {task, state, exitCode: 0, signal: 0, nodeList: 'n1'}]
    expect(arrayDone(new Map([s(1, 'COMPLETED'), s(2, 'FAILED')]), 2)).toBe(true)
    expect(arrayDone(new Map([s(1, 'COMPLETED'), s(2, 'RUNNING')]), 2)).toBe(false)
    expect(arrayDone(new Map([s(1, 'COMPLETED')]), 2)).toBe(false)
  })
})
