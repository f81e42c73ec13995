import {describe, expect, it} from 'vitest'

import {arrayTasks, slurmDirBeside} from '../../../src/runner/slurm/shard-plan.js'
import {everyShard, shardItems, shardPlan} from '../../../src/util/shards.js'

describe('shard plans (the SLURM arrays over a list of files or tasks)', () => {
  it('lists every shard i/N with its round-robin share, under the key the plan names', () => {
    const files = ['/p/a.jsonl', '/p/b.jsonl', '/p/c.jsonl']
    expect(shardPlan(files, 2, 'pool file', 'files')).toEqual([
      {shard: '1/2', files: ['/p/a.jsonl', '/p/c.jsonl']},
      {shard: '2/2', files: ['/p/b.jsonl']},
    ])
    expect(shardPlan(['t1', 't2'], 2, 'task', 'tasks')).toEqual([{shard: '1/2', tasks: ['t1']}, {shard: '2/2', tasks: ['t2']}])
    // the plan's shares are those each task takes with --shard i/N
    for (const shard of everyShard(3)) expect(shardPlan(files, 3, 'pool file', 'files')[shard.index - 1]?.files).toEqual(shardItems(files, shard, 'pool file'))
  })

  it('refuses more shards than items, naming the noun, as --shard does', () => {
    expect(() => shardPlan(['/p/a.jsonl'], 2, 'pool file', 'files')).toThrow(/the work has 1 pool file\(s\), fewer than 2 shards; use at most 1 shards/)
  })

  it('has every shard 1/N … N/N in order', () => {
    expect(everyShard(3)).toEqual([{index: 1, count: 3}, {index: 2, count: 3}, {index: 3, count: 3}])
    expect(everyShard(0)).toEqual([])
  })

  it('defaults to one array task per item, at most 100; an asked count stands', () => {
    expect(arrayTasks(7, undefined)).toBe(7)
    expect(arrayTasks(250, undefined)).toBe(100)
    expect(arrayTasks(250, 3)).toBe(3)
    expect(slurmDirBeside('/shared/out.npy')).toBe('/shared/out.npy.slurm')
  })
})
