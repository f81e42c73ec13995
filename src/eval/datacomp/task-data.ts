import {existsSync} from 'node:fs'
import {basename, join} from 'node:path'

import {cachedSnapshot} from '../../hub/download.js'
import type {SuiteTask} from './suite.js'

/**
 * Where a task's data lives under a data root, trying in order:
 * 1. `ROOT/<repo name>` — the layout of DataComp's download_evalsets.py (`wds_cifar10_test/…`);
 * 2. `ROOT/datasets--<owner>--<name>/snapshots/<refs/<revision>>` — the Hugging Face cache layout
 *    that `bench eval fetch` (src/hub) and huggingface_hub write.
 * Returns undefined when neither exists.
 */
export function resolveTaskData(root: string, task: Pick<SuiteTask, 'hf_repo'>, revision = 'main'): string | undefined {
  const plain = join(root, basename(task.hf_repo))
  if (existsSync(join(plain, 'test', 'nshards.txt'))) return plain
  const snapshot = cachedSnapshot(root, task.hf_repo, revision)
  if (snapshot && existsSync(join(snapshot, 'test', 'nshards.txt'))) return snapshot
  return undefined
}
