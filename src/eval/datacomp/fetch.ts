import {DcbError} from '../../errors.js'
import {defaultDataDir} from '../../hub/cache.js'
import {downloadSnapshot, planSnapshot, type DownloadProgress, type SnapshotPlan} from '../../hub/download.js'
import {countWdsSamples, readEvalDataset} from '../clip/webdataset.js'
import {checkHubFiles} from './hub-files.js'
import {loadSuite, selectTasks, type Suite, type SuiteTask} from './suite.js'
import {resolveTaskData, taskDataFormat} from './task-data.js'
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
  /** The hub refused it: a gated dataset without HF_TOKEN, or whose terms the token's account has not accepted. */
  | 'refused'

export interface TaskDataStatus {
  key: string
  name: string
  repo: string
  state: TaskDataState
  /** The task's folder, when present. */
  dir?: string
  /** Samples counted in its shards (tar headers) or examples in its table, and the task table's size. */
  samples?: number
  expected: number
  /** Bytes this call planned to fetch for the task (what was not in the cache). */
  plannedBytes?: number
  /** Bytes fetched for this task by this call. */
  downloadedBytes?: number
  /** Why the state is not usable, in one line. */
  problem?: string
}

/** What a fetch will download, known before anything is downloaded. */
export interface FetchPlan {
  /** Tasks with bytes to fetch: their source and how many bytes are not in the data folder yet. */
  tasks: {key: string; source: string; bytes: number}[]
  totalBytes: number
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
  /**
   * Called once with the sizes to download, before any download starts (not called when nothing is
   * to be fetched). Throwing refuses the fetch; nothing is downloaded then.
   */
  confirm?: (plan: FetchPlan) => Promise<void>
  onProgress?: (event: FetchProgressEvent) => void
}

export interface FetchDataCompDataResult {
  dataDir: string
  suite: {id: string; version: string}
  tasks: TaskDataStatus[]
  plan: FetchPlan
  downloadedBytes: number
  /** Keys of tasks that are not usable (missing, wrong size, refused). */
  unusable: string[]
}

/** Samples in a task folder and the first problem: tar headers counted, or the hub files' table and zip checked. */
async function checkLocal(dir: string, task: SuiteTask): Promise<Pick<TaskDataStatus, 'samples' | 'problem'>> {
  if (taskDataFormat(dir, task) === 'hub-files') return checkHubFiles(dir, task)
  try {
    const samples = countWdsSamples(readEvalDataset(dir).shards)
    return samples === task.size ? {samples} : {samples, problem: `${dir}: ${samples} samples in its shards, the task table says ${task.size}`}
  } catch (error) {
    return {problem: (error as Error).message}
  }
}

/** The repo files a task needs: the hub files it names, else the whole (webdataset) repo. */
function includeOf(task: SuiteTask): ((path: string) => boolean) | undefined {
  const files = task.hub_files
  return files ? (path) => path === files.table || path === files.images_zip : undefined
}

function gatedRefusal(error: unknown): string | undefined {
  return error instanceof DcbError && error.code === 'DCB_HUB_GATED' ? error.message : undefined
}

/**
 * `bench eval fetch`: makes the suite's datasets available under the data folder — plans what is
 * missing (sizes from the hub's listing), lets `confirm` see the plan, then downloads into the HF
 * cache layout (resuming partial files), or with `offline` only looks — and checks each task's
 * sample count against the task table. Webdataset repos are fetched whole; the nlphuji sets fetch
 * only the table and image zip they are read from. Synthetic suites are generated instead. Returns
 * one status per task; nothing is thrown for an unusable task (the caller decides), only for hub
 * failures and a refused confirmation.
 */
export async function fetchDataCompData(options: FetchDataCompDataOptions): Promise<FetchDataCompDataResult> {
  const suite: Suite = loadSuite(options.suite ?? 'datacomp-38')
  const tasks = selectTasks(suite, options.tasks)
  const dataDir = options.dataDir ?? defaultDataDir()
  const statuses = new Map<string, TaskDataStatus>()
  const base = (task: SuiteTask) => ({key: task.key, name: task.name, repo: task.hf_repo, expected: task.size})
  const plans = new Map<string, SnapshotPlan>()
  let downloadedBytes = 0

  if (suite.synthetic) {
    const {dataRoot, generated} = options.offline ? {dataRoot: syntheticDataRoot(dataDir, suite), generated: [] as string[]} : await ensureSyntheticData({suite, root: dataDir, tasks})
    for (const task of tasks) {
      const dir = resolveTaskData(dataRoot, task)
      if (!dir) statuses.set(task.key, {...base(task), state: 'missing', problem: `${dataRoot}: not generated yet (run without --offline)`})
      else statuses.set(task.key, {...base(task), dir, state: generated.includes(task.key) ? 'generated' : 'cached', ...(await checkLocal(dir, task))})
    }
  } else {
    for (const task of tasks) {
      const dir = resolveTaskData(dataDir, task, options.revision)
      if (dir) {
        const local = await checkLocal(dir, task)
        statuses.set(task.key, {...base(task), dir, state: local.problem ? 'wrong-size' : 'cached', ...local})
      } else if (options.offline) {
        statuses.set(task.key, {...base(task), state: 'missing', problem: `not in ${dataDir} (offline: nothing downloaded)`})
      } else {
        try {
          const snapshotPlan = await planSnapshot({repo: task.hf_repo, cacheDir: dataDir, revision: options.revision, hubUrl: options.hubUrl, accessToken: options.accessToken, include: includeOf(task)})
          const absent = task.hub_files ? [task.hub_files.table, task.hub_files.images_zip].filter((f) => !snapshotPlan.files.some((p) => p.path === f)) : []
          if (absent.length > 0) {
            // The names are data (evaluators/datacomp/suite.yaml hub_files): say what the repo has instead.
            statuses.set(task.key, {...base(task), state: 'wrong-size', problem: `${task.hf_repo}@${snapshotPlan.commit.slice(0, 12)} has no ${absent.join(' or ')} (it has ${snapshotPlan.skipped.join(', ') || 'no other files'}); fix hub_files in evaluators/datacomp/suite.yaml`})
          } else plans.set(task.key, snapshotPlan)
        } catch (error) {
          const refusal = gatedRefusal(error)
          if (!refusal) throw error
          statuses.set(task.key, {...base(task), state: 'refused', problem: refusal})
        }
      }
    }
  }

  const plan: FetchPlan = {tasks: [...plans].map(([key, p]) => ({key, source: p.repo, bytes: p.missingBytes})), totalBytes: 0}
  plan.totalBytes = plan.tasks.reduce((sum, t) => sum + t.bytes, 0)
  if (plan.totalBytes > 0) await options.confirm?.(plan)

  for (const task of tasks) {
    const snapshotPlan = plans.get(task.key)
    if (!snapshotPlan) continue
    const planned = {plannedBytes: snapshotPlan.missingBytes}
    let result
    try {
      result = await downloadSnapshot({
        repo: task.hf_repo,
        cacheDir: dataDir,
        hubUrl: options.hubUrl,
        accessToken: options.accessToken,
        include: includeOf(task),
        plan: snapshotPlan,
        onProgress: (event) => options.onProgress?.({kind: 'download', task: task.key, ...event}),
      })
    } catch (error) {
      const refusal = gatedRefusal(error)
      if (!refusal) throw error
      statuses.set(task.key, {...base(task), ...planned, state: 'refused', problem: refusal})
      continue
    }
    downloadedBytes += result.downloadedBytes
    const fetched = {...planned, downloadedBytes: result.downloadedBytes}
    const dir = resolveTaskData(dataDir, task, options.revision)
    if (!dir) {
      statuses.set(task.key, {...base(task), ...fetched, state: 'wrong-size', problem: `${result.snapshotDir}: downloaded, but it has no test/nshards.txt (not the DataComp eval layout)`})
      continue
    }
    const local = await checkLocal(dir, task)
    statuses.set(task.key, {...base(task), ...fetched, dir, state: local.problem ? 'wrong-size' : 'downloaded', ...local})
  }
  const ordered = tasks.map((task) => statuses.get(task.key) as TaskDataStatus)
  return {
    dataDir,
    suite: {id: suite.suite, version: suite.version},
    tasks: ordered,
    plan,
    downloadedBytes,
    unusable: ordered.filter((s) => s.state === 'missing' || s.state === 'wrong-size' || s.state === 'refused').map((s) => s.key),
  }
}
