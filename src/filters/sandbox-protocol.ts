/**
 * The messages between bench and a sandboxed filter's process (src/filters/sandbox.ts, the parent;
 * src/filters/sandbox-child.ts, the child), sent over Node's IPC channel with `advanced` (structured
 * clone) serialization. Types only: the child imports nothing of dcbench at run time.
 *
 * bench → child: `load` once, then `batch`es of records in pool order, and the `value`s of record
 * methods (`image()`), which bench runs on the records it read. child → bench: `loaded` (or
 * `failed`), a `decided` per batch (or `failed`), and a `call` each time the filter calls a record
 * method. A call whose value bench has already sent (bench sends the next records' values ahead of
 * a filter that calls the method on every record) needs no answer: it only says how far the filter is.
 */

/** A record as sent: its data fields, and the names of its methods (called back in bench). */
export interface SentRecord {
  data: Record<string, unknown>
  methods: string[]
}

/** The context a factory receives (FilterContext). */
export interface SentContext {
  benchmark: string
  seed: number
  pool: string
}

export type ToChild =
  | {type: 'load'; code: string; file: string; context: SentContext}
  | {type: 'batch'; batch: number; records: SentRecord[]}
  | {type: 'value'; batch: number; index: number; method: string; value?: unknown; error?: string}

/** What the filter threw, or the permission model refused it. */
export interface SentError {
  message: string
  /** ERR_ACCESS_DENIED (the permission model), ERR_DLOPEN_DISABLED (a native addon), … */
  code?: string
  /** FileSystemRead, FileSystemWrite, ChildProcess, WorkerThreads… */
  permission?: string
  /** The path refused, for file system permissions. */
  resource?: string
}

/** A decision as sent back: the filter's own when it is one of the allowed kinds, else its description. */
export type SentDecision = boolean | number | {repeat: number} | {invalid: string}

export type FromChild =
  | {type: 'ready'; sandboxed: boolean}
  /** `hasDefault`: the module has a default export; `exported`: the typeof of the filter it gave ('null' for null). */
  | {type: 'loaded'; hasDefault: boolean; exported: string; name: unknown; description: unknown; benchmarks: unknown; decide: string}
  | {type: 'failed'; stage: 'load' | 'factory' | 'decide'; batch?: number; index?: number; error: SentError}
  | {type: 'decided'; batch: number; decisions: SentDecision[]}
  | {type: 'call'; batch: number; index: number; method: string}
