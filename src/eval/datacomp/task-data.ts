import {existsSync} from 'node:fs'
import {basename, join} from 'node:path'

import {cachedSnapshot} from '../../hub/download.js'
import {hasHubFiles} from './hub-files.js'
import type {SuiteTask} from './suite.js'

/** How a task's data folder is laid out. */
export type TaskDataFormat =
  /** DataComp's webdataset eval layout: test/nshards.txt + test/<i>.tar (docs/contracts.md). */
  | 'webdataset'
  /** A hub repo's own files, read as its loading script reads them (the nlphuji sets; hub-files.ts). */
  | 'hub-files'

/** The format of a task's data in `dir`, or undefined when `dir` holds neither. */
export function taskDataFormat(dir: string, task: Pick<SuiteTask, 'hub_files'>): TaskDataFormat | undefined {
  if (existsSync(join(dir, 'test', 'nshards.txt'))) return 'webdataset'
  if (hasHubFiles(dir, task)) return 'hub-files'
  return undefined
}

/**
 * Where a task's data lives under a data root, trying in order:
 * 1. `ROOT/<repo name>` — the layout of DataComp's download_evalsets.py (`wds_cifar10_test/…`), or a
 *    plain copy of an nlphuji repo's files;
 * 2. `ROOT/datasets--<owner>--<name>/snapshots/<refs/<revision>>` — the Hugging Face cache layout
 *    that `bench eval fetch` (src/hub) and huggingface_hub write.
 * A folder counts when it holds the webdataset layout, or the task's hub files (taskDataFormat).
 * Returns undefined when neither exists.
 */
export function resolveTaskData(root: string, task: Pick<SuiteTask, 'hf_repo' | 'hub_files'>, revision = 'main'): string | undefined {
  const plain = join(root, basename(task.hf_repo))
  if (taskDataFormat(plain, task)) return plain
  const snapshot = cachedSnapshot(root, task.hf_repo, revision)
  if (snapshot && taskDataFormat(snapshot, task)) return snapshot
  return undefined
}
