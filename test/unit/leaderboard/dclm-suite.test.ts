import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {aggregateAllVersions} from '../../../src/eval/dclm/aggregate.js'
import {pythonJsonDumps} from '../../../src/util/python-json.js'
import {loadLmSuite} from '../../../src/eval/lm/suite.js'
import {defaultSuites} from '../../../src/leaderboard/index.js'
import {createRng} from '../../../src/util/rng.js'
import {useTempDir} from '../../helpers/tmp.js'

describe('the dclm-53 leaderboard suite (wired to src/eval/dclm)', () => {
  const tmp = useTempDir()
  const suite = loadLmSuite('dclm-53')
  const scoring = defaultSuites('dclm-53')!
  const rng = createRng('dclm-suite')
  const icl = Object.fromEntries(suite.tasks.map((t) => [t.label, rng.next()]))

  it('ranks by CORE and recomputes exactly what DCLM writes into the eval JSON', () => {
    expect(scoring.headline).toBe('Core')
    expect(scoring.tasks.map((t) => t.key)).toEqual(suite.tasks.map((t) => t.label))
    const aggregates = scoring.aggregate(icl)
    const dclm = aggregateAllVersions({eval_metrics: {icl}}, suite.aggregation)
    for (const key of ['Core', 'Extended', 'Core_v1', 'Core_v2', 'Extended_v1', 'Extended_v2', 'low_variance_datasets_centered']) {
      expect(aggregates[key], key).toBe(dclm[key])
    }
    expect(aggregates.MMLU).toBe(icl[suite.mmluTask!])
  })

  it('leaves out CORE when a CORE task is missing (DCLM writes an N/A string there)', () => {
    const partial = {...icl}
    delete partial[suite.core[0]!]
    const aggregates = scoring.aggregate(partial)
    expect(aggregates.Core).toBeUndefined()
    expect(aggregates.Extended).toBeUndefined()
  })

  it('reads the per-task scores of a DCLM eval JSON, NaN tasks dropped', async () => {
    const file = join(tmp(), 'eval.json')
    writeFileSync(file, pythonJsonDumps({name: 'eval/heavy', eval_metrics: {icl: {...icl, [suite.tasks[1]!.label]: Number.NaN}}}, {indent: 4}))
    const tasks = await scoring.readResults(file)
    expect(Object.keys(tasks)).toHaveLength(suite.tasks.length - 1)
    expect(tasks[suite.tasks[0]!.label]).toBe(icl[suite.tasks[0]!.label])
  })
})
