import {defaultDataDir} from '../../hub/cache.js'
import {downloadSnapshot, type DownloadProgress} from '../../hub/download.js'
import {countWdsSamples, readEvalDataset} from '../clip/webdataset.js'
import {loadSuite, selectTasks, type Suite, type SuiteTask} from './suite.js'
import {resolveTaskData} from './task-data.js'
import {ensureSyntheticData, syntheticDataRoot} from './tiny-suite.js'

/** Where a task's data stands after `bench eval fetch`. */
export type TaskDataState =
  /** Already in the data folder, sample count as the task table says. */
  | 'cached'
  /** Fetched from the hub by this call (or completed: a partial download resumed). */
  | 'downloaded'
  /** Generated locally (synthetic suites). */
  | 'generated'
  /** Not in the data folder (offline), or fetched but its sample count is not the task table's. */
  | 'missing'
  | 'wrong-size'
  /** A hub dataset dcbench cannot read in its published form (script-based nlphuji sets, spec §4.3). */
  | 'unsupported'

export interface TaskDataStatus {
  key: string
  name: string
  repo: string
  state: TaskDataState
  /** The task's folder, when present. */
  dir?: string
  /** Samples counted in its shards (tar headers), and the task table's size. */
  samples?: number
  expected: number
  /** Bytes fetched for this task by this call. */
  downloadedBytes?: number
  /** Why the state is not usable, in one line. */
  problem?: string
}

/** A task's data being fetched (bytes) or checked. */
export type FetchProgressEvent = {kind: 'download'; task: string} & DownloadProgress

export interface FetchDataCompDataOptions {
  /** Suite id (a scale's recipe names it as `eval_suite`); default datacomp-38. */
  suite?: string
  /** Task keys (default: the whole suite). */
  tasks?: string[]
  /** Default $DCBENCH_DATA or ~/.cache/dcbench/eval. */
  dataDir?: string
  /** Use only what is in the data folder; name what is missing. */
  offline?: boolean
  /** Hub endpoint (default https://huggingface.co, or $HF_ENDPOINT in the CLI). */
  hubUrl?: string
  accessToken?: string
  /** Hub revision of every dataset; default main. */
  revision?: string
  onProgress?: (event: FetchProgressEvent) => void
}

export interface FetchDataCompDataResult {
  dataDir: string
  suite: {id: string; version: string}
  tasks: TaskDataStatus[]
  downloadedBytes: number
  /** Keys of tasks that are not usable (missing, wrong size, unsupported). */
  unusable: string[]
}

/**
 * Script-based HF datasets (Flickr, MSCOCO, WinoGAViL from nlphuji) are not in the webdataset eval
 * layout; dcbench reads them only converted to it (docs/contracts.md "Eval datasets").
 */
function isWebDatasetRepo(task: SuiteTask): boolean {
  return task.type !== 'retrieval' && task.type !== 'winogavil'
}

function checkLocal(dir: string, task: SuiteTask): Pick<TaskDataStatus, 'samples' | 'problem'> {
  try {
    const samples = countWdsSamples(readEvalDataset(dir).shards)
    return samples === task.size ? {samples} : {samples, problem: `${dir}: ${samples} samples in its shards, the task table says ${task.size}`}
  } catch (error) {
    return {problem: (error as Error).message}
  }
}

/**
 * `bench eval fetch`: makes the suite's datasets available under the data folder — downloads the
 * missing ones from the Hugging Face hub into the HF cache layout (resuming partial files), or with
 * `offline` only looks — and checks each task's sample count against the task table. Synthetic
 * suites are generated instead. Returns one status per task; nothing is thrown for an unusable task
 * (the caller decides), only for hub failures.
 */
export async function fetchDataCompData(options: FetchDataCompDataOptions): Promise<FetchDataCompDataResult> {
  const suite: Suite = loadSuite(options.suite ?? 'datacomp-38')
  const tasks = selectTasks(suite, options.tasks)
  const dataDir = options.dataDir ?? defaultDataDir()
  const statuses: TaskDataStatus[] = []
  let downloadedBytes = 0

  if (suite.synthetic) {
    const {dataRoot, generated} = options.offline ? {dataRoot: syntheticDataRoot(dataDir, suite), generated: [] as string[]} : await ensureSyntheticData({suite, root: dataDir, tasks})
    for (const task of tasks) {
      const dir = resolveTaskData(dataRoot, task)
      const base = {key: task.key, name: task.name, repo: task.hf_repo, expected: task.size}
      if (!dir) statuses.push({...base, state: 'missing', problem: `${dataRoot}: not generated yet (run without --offline)`})
      else statuses.push({...base, dir, state: generated.includes(task.key) ? 'generated' : 'cached', ...checkLocal(dir, task)})
    }
  } else {
    for (const task of tasks) {
      const base = {key: task.key, name: task.name, repo: task.hf_repo, expected: task.size}
      let dir = resolveTaskData(dataDir, task)
      if (dir) {
        const local = checkLocal(dir, task)
        statuses.push({...base, dir, state: local.problem ? 'wrong-size' : 'cached', ...local})
        continue
      }
      if (!isWebDatasetRepo(task)) {
        statuses.push({...base, state: 'unsupported', problem: `${task.hf_repo} is a script-based Hugging Face dataset; dcbench reads ${task.name} only in the webdataset retrieval layout (docs/contracts.md "Eval datasets")`})
        continue
      }
      if (options.offline) {
        statuses.push({...base, state: 'missing', problem: `not in ${dataDir} (offline: nothing downloaded)`})
        continue
      }
      const result = await downloadSnapshot({
        repo: task.hf_repo,
        cacheDir: dataDir,
        revision: options.revision,
        hubUrl: options.hubUrl,
        accessToken: options.accessToken,
        onProgress: (event) => options.onProgress?.({kind: 'download', task: task.key, ...event}),
      })
      downloadedBytes += result.downloadedBytes
      dir = resolveTaskData(dataDir, task, options.revision)
      if (!dir) {
        statuses.push({...base, state: 'wrong-size', downloadedBytes: result.downloadedBytes, problem: `${result.snapshotDir}: downloaded, but it has no test/nshards.txt (not the DataComp eval layout)`})
        continue
      }
      const local = checkLocal(dir, task)
      statuses.push({...base, dir, state: local.problem ? 'wrong-size' : 'downloaded', downloadedBytes: result.downloadedBytes, ...local})
    }
  }
  return {
    dataDir,
    suite: {id: suite.suite, version: suite.version},
    tasks: statuses,
    downloadedBytes,
    unusable: statuses.filter((s) => s.state === 'missing' || s.state === 'wrong-size' || s.state === 'unsupported').map((s) => s.key),
  }
}
