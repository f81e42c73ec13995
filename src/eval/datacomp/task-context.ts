import type {DecodePool} from '../clip/decode-pool.js'
import type {ClipModel} from '../clip/model.js'
import type {PyJsonValue} from '../../util/python-json.js'
import type {TaskPredictions} from './predictions.js'

/** Everything a task run needs. */
export interface TaskContext {
  model: ClipModel
  pool: DecodePool
  /** The task's data folder (DataComp's webdataset eval layout, or a repo's hub files). */
  dataDir: string
  batchSize: number
  /** Images (WinoGAViL: items) encoded so far in this task, and the task's size. */
  onProgress?: (done: number, total: number) => void
}

/** Metrics of one task in evaluate.py's key order, before main_metric is added. */
export type TaskMetricsOut = Record<string, PyJsonValue>

/** A task's metrics and its per-example predictions (predictions.ts). */
export interface TaskOutput {
  metrics: TaskMetricsOut
  predictions: TaskPredictions
}
