import {existsSync, readFileSync} from 'node:fs'
import {basename, join} from 'node:path'

import type {SuiteTask} from './suite.js'

/**
 * Where a task's data lives under a data root, trying in order:
 * 1. `ROOT/<repo name>` — the layout of DataComp's download_evalsets.py (`wds_cifar10_test/…`);
 * 2. `ROOT/datasets--<owner>--<name>/snapshots/<refs/main>` — the Hugging Face cache layout that
 *    `bench eval fetch` (src/hub) writes.
 * Returns undefined when neither exists.
 */
export function resolveTaskData(root: string, task: Pick<SuiteTask, 'hf_repo'>): string | undefined {
  const plain = join(root, basename(task.hf_repo))
  if (existsSync(join(plain, 'test', 'nshards.txt'))) return plain
  const cache = join(root, `datasets--${task.hf_repo.replace('/', '--')}`)
  const ref = join(cache, 'refs', 'main')
  if (existsSync(ref)) {
    const snapshot = join(cache, 'snapshots', readFileSync(ref, 'utf8').trim())
    if (existsSync(join(snapshot, 'test', 'nshards.txt'))) return snapshot
  }
  return undefined
}
