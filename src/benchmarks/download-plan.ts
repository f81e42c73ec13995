/** What `bench eval fetch` and `bench pool download` will download: per task, its source and the bytes not in the data folder yet. */
export interface DownloadPlan {
  tasks: {key: string; source: string; bytes: number}[]
  totalBytes: number
  /** What a row is (default `task`; DCLM plans files, pool downloads parts). */
  unit?: 'task' | 'file' | 'part'
  /** Free bytes where the download goes, when known (printed with the sizes). */
  freeBytes?: number
  /** Rows whose size is an estimate (image bytes before the images are fetched). */
  estimated?: readonly string[]
}
