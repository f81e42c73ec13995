import {describe, expect, it} from 'vitest'

import {aggregateDataComp} from '../../../../src/eval/datacomp/aggregate.js'
import {findTask, loadSuite, selectTasks} from '../../../../src/eval/datacomp/suite.js'
import {choiceList, DcbError} from '../../../../src/errors.js'

const suite = loadSuite('datacomp-38')

/** Issue 18: one task naming accepted everywhere — keys (`cifar10`) and display names (`CIFAR-10`). */
describe('DataComp task names: keys and display names alike', () => {
  it('findTask resolves a key, a display name, and either in another case', () => {
    expect(findTask(suite, 'cifar10')?.name).toBe('CIFAR-10')
    expect(findTask(suite, 'CIFAR-10')?.key).toBe('cifar10')
    expect(findTask(suite, 'cifar-10')?.key).toBe('cifar10')
    expect(findTask(suite, 'vtab/dtd')?.key).toBe(findTask(suite, findTask(suite, 'vtab/dtd')!.name)?.key)
    expect(findTask(suite, 'nope')).toBeUndefined()
  })

  it('--tasks takes either, in suite order', () => {
    const picked = selectTasks(suite, ['CIFAR-100', 'cifar10', 'ImageNet 1k'])
    expect(picked.map((t) => t.key)).toEqual(suite.tasks.filter((t) => ['cifar10', 'vtab/cifar100', 'imagenet1k'].includes(t.key)).map((t) => t.key))
  })

  it('an unknown task is one short line with a did-you-mean, not the 40 keys', () => {
    let error: unknown
    try {
      selectTasks(suite, ['cifar1O'])
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DcbError)
    const message = (error as DcbError).message
    expect(message).toMatch(/^unknown task 'cifar1O' in suite datacomp-38; did you mean 'cifar10'\? 40 valid: vtab\/caltech101, /)
    expect(message.length).toBeLessThan(200)
  })

  it('eval aggregate reads a results file whose dataset column holds task keys', () => {
    const rows = suite.tasks.map((task) => ({key: task.key, dataset: task.name, metrics: {main_metric: task.scored ? 0.5 : null}}))
    const byName = aggregateDataComp(rows)
    const byKey = aggregateDataComp(rows.map((row) => ({...row, dataset: row.key})))
    expect(byKey.aggregates).toEqual(byName.aggregates)
    expect(byKey.scored).toBe(38)
  })

  it('choiceList keeps short lists whole', () => {
    expect(choiceList('x', ['a', 'b'])).toBe('valid: a, b')
  })
})
