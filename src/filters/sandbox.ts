import {fork, type ChildProcess} from 'node:child_process'
import {existsSync, realpathSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {DcbError} from '../errors.js'
import {packageRoot} from '../util/paths.js'
import {lineSplitter} from '../runner/executors/lines.js'
import {compileFilterModule} from './compile.js'
import {checkFilterShape} from './shape.js'
import type {DataFilter, FilterContext, FilterDecision, PoolRecord} from './filter.js'
import type {FromChild, SentDecision, SentError, SentRecord, ToChild} from './sandbox-protocol.js'

/**
 * A participant's filter module run in a child process under Node's permission model (docs/security.md,
 * "Filters"): it may read the pool, its own file and the `allowRead` paths, and write nothing — bench
 * writes the subset from its decisions; it may not start processes or threads, load native addons, or
 * see bench's environment (it gets none). The permission model does not restrict the network, and Node
 * documents it as a seat belt for trusted code, not a boundary against malicious code.
 *
 * bench reads the pool (as for the built-in filters) and streams the records to the child in batches,
 * two in flight, so reading and deciding overlap; record methods (`image()`) are called back here.
 */

export interface SandboxedFilterOptions {
  /** The module file (absolute). */
  file: string
  context: FilterContext
  /** More files or folders the filter may read (`bench filter --allow-read`). */
  allowRead?: readonly string[]
  /** Each line the filter prints (stdout and stderr): bench's stdout stays its own. */
  onOutput?: (line: string) => void
}

/** A filter that decides records in batches, in order, and holds a process to close. */
export interface BatchDecider {
  decideBatch(records: readonly PoolRecord[]): Promise<FilterDecision[]>
  close(): Promise<void>
}

export type SandboxedFilter = DataFilter<PoolRecord> & BatchDecider

export function isBatchDecider(filter: DataFilter<PoolRecord>): filter is DataFilter<PoolRecord> & BatchDecider {
  return typeof (filter as Partial<BatchDecider>).decideBatch === 'function'
}

/** How many records ahead of the filter bench computes and sends a record method's value it calls on every record. */
const LOOKAHEAD = 16

/** What a filter may read and write, for messages. */
const ALLOWED = 'a filter may read only the pool, its own file and --allow-read paths, write nothing, and start no process (docs/security.md)'

/** The child script: beside this module when built, else the built one (running from src/ under vitest or tsx). */
function childScript(): string {
  const beside = fileURLToPath(new URL('./sandbox-child.js', import.meta.url))
  if (existsSync(beside)) return beside
  const built = join(packageRoot(), 'dist/filters/sandbox-child.js')
  if (existsSync(built)) return built
  throw new Error(`filter sandbox script not found (${beside}, ${built}): run npm run build`)
}

/** `--permission` since Node 22.13 / 23.5; `--experimental-permission` before. */
function permissionFlag(): string {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  return major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13) ? '--permission' : '--experimental-permission'
}

/** A path and, when it is a link, where it leads: the permission model checks the path as opened. */
function readable(path: string): string[] {
  const absolute = resolve(path)
  let real = absolute
  try {
    real = realpathSync(absolute)
  } catch {
    // missing: the filter's read fails as it would anyway
  }
  return real === absolute ? [absolute] : [absolute, real]
}

/** Compiles the module, starts its process and loads the filter; refusals are one-line DcbErrors. */
export async function startSandboxedFilter(options: SandboxedFilterOptions): Promise<SandboxedFilter> {
  const code = await compileFilterModule(options.file)
  const script = childScript()
  const reads = [script, options.file, options.context.pool, ...(options.allowRead ?? [])].flatMap(readable)
  const child = fork(script, [], {
    execArgv: [permissionFlag(), '--no-warnings', ...reads.map((path) => `--allow-fs-read=${path}`)],
    // none of bench's environment: tokens in it stay out of the filter's reach
    env: {},
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const channel = new Channel(child, options)
  try {
    await channel.start(code)
    return channel.filter()
  } catch (error) {
    await channel.close()
    throw error
  }
}

interface Batch {
  records: readonly PoolRecord[]
  resolve: (decisions: FilterDecision[]) => void
  reject: (error: Error) => void
}

/** One sandboxed process: the protocol of sandbox-protocol.ts from bench's side. */
class Channel {
  private readonly batches = new Map<number, Batch>()
  /** Where each batch starts in the pool, and where the filter last called each record method. */
  private readonly offsets = new Map<number, number>()
  private nextOffset = 0
  private readonly lastCall = new Map<string, number>()
  /** The methods whose value was sent (or is being computed), by record. */
  private readonly sent = new WeakMap<object, Set<string>>()
  private nextBatch = 0
  private name: string | undefined
  private lastLine: string | undefined
  private failure: Error | undefined
  private waiting: {resolve: (message: FromChild) => void; reject: (error: Error) => void} | undefined
  private readonly exited: Promise<void>

  constructor(
    private readonly child: ChildProcess,
    private readonly options: SandboxedFilterOptions,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      const lines = lineSplitter((line) => {
        if (line.trim() !== '') this.lastLine = line.trim()
        options.onOutput?.(line)
      })
      stream?.on('data', (chunk: Buffer) => lines.write(chunk))
      stream?.on('end', () => lines.flush())
    }
    child.on('message', (message: FromChild) => this.receive(message))
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.fail(this.exitError(code, signal))
      resolve()
    }))
    child.once('error', (error) => this.fail(new DcbError('DCB_FILTER_SANDBOX', `cannot start the filter sandbox (${process.execPath}): ${error.message}`)))
  }

  /** Waits for the process, checks the permission model holds, loads the module. */
  async start(code: string): Promise<void> {
    const ready = await this.next()
    if (ready.type !== 'ready' || !ready.sandboxed) {
      throw new DcbError('DCB_NODE_PERMISSION', `Node.js ${process.version} did not start the filter under its permission model (${permissionFlag()}); a filter module does not run unsandboxed`, {
        suggestions: ['use Node.js 20.9 or later (node --version)'],
      })
    }
    this.send({type: 'load', code, file: this.options.file, context: {...this.options.context}})
    const loaded = await this.next()
    if (loaded.type === 'failed') throw this.refusal(loaded)
    if (loaded.type !== 'loaded') throw this.protocolError(loaded)
    this.name = typeof loaded.name === 'string' ? loaded.name : undefined
    this.loaded = loaded
  }

  private loaded: Extract<FromChild, {type: 'loaded'}> | undefined

  /** The filter as apply.ts sees it, after the shape checks an in-process filter gets (shape.ts). */
  filter(): SandboxedFilter {
    const loaded = this.loaded as Extract<FromChild, {type: 'loaded'}>
    const {file} = this.options
    if (!loaded.hasDefault) throw new DcbError('DCB_FILTER_BAD', `filter module ${file}: no default export; export a DataFilter or a function returning one`)
    if (loaded.exported !== 'object') throw new DcbError('DCB_FILTER_BAD', `filter module ${file}: its default export is ${loaded.exported}, not a filter object`)
    const decideBatch = (records: readonly PoolRecord[]): Promise<FilterDecision[]> => this.decideBatch(records)
    const filter = checkFilterShape({
      name: loaded.name,
      description: loaded.description,
      benchmarks: loaded.benchmarks,
      // the child said whether the filter's decide is a function
      decide: loaded.decide === 'function' ? async (record: PoolRecord) => (await decideBatch([record]))[0] as FilterDecision : undefined,
    }, file)
    return Object.assign(filter, {decideBatch, close: () => this.close()})
  }

  private decideBatch(records: readonly PoolRecord[]): Promise<FilterDecision[]> {
    if (this.failure) return Promise.reject(this.failure)
    const batch = this.nextBatch++
    this.offsets.set(batch, this.nextOffset)
    this.nextOffset += records.length
    const promise = new Promise<FilterDecision[]>((resolve, reject) => this.batches.set(batch, {records, resolve, reject}))
    this.send({type: 'batch', batch, records: records.map(sendable)})
    this.holdOpen()
    return promise
  }

  /**
   * Keeps bench's event loop alive for the child only while bench waits on it: a library caller that
   * forgets closeFilter does not hang at exit, and one awaiting decisions is not left without them.
   */
  private holdOpen(): void {
    const busy = this.waiting !== undefined || this.batches.size > 0 || this.closing
    type Handle = {ref?: () => void; unref?: () => void} | null | undefined
    for (const handle of [this.child, this.child.channel, this.child.stdout, this.child.stderr] as Handle[]) {
      if (busy) handle?.ref?.()
      else handle?.unref?.()
    }
  }

  async close(): Promise<void> {
    this.closing = true
    this.holdOpen()
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
    await this.exited
  }

  /** close() waits for the exit: the loop must stay alive for it. */
  private closing = false

  private send(message: ToChild): void {
    if (this.failure || !this.child.connected) return
    this.child.send(message, (error) => {
      if (error) this.fail(this.failure ?? new DcbError('DCB_FILTER_BAD', `filter module ${this.options.file}: its process stopped taking records (${error.message})`))
    })
  }

  private next(): Promise<FromChild> {
    if (this.failure) return Promise.reject(this.failure)
    const promise = new Promise<FromChild>((resolve, reject) => (this.waiting = {resolve, reject}))
    this.holdOpen()
    return promise
  }

  private receive(message: FromChild): void {
    try {
      this.dispatch(message)
    } finally {
      this.holdOpen()
    }
  }

  private dispatch(message: FromChild): void {
    if (message === null || typeof message !== 'object') return
    if (message.type === 'call') return void this.call(message)
    if (message.type === 'decided') {
      const batch = this.batches.get(message.batch)
      this.batches.delete(message.batch)
      this.offsets.delete(message.batch)
      if (!batch) return
      if (!Array.isArray(message.decisions) || message.decisions.length !== batch.records.length) return batch.reject(this.protocolError(message))
      try {
        batch.resolve(message.decisions.map((d, i) => decisionOf(this.name ?? '?', batch.records[i] as PoolRecord, d)))
      } catch (error) {
        batch.reject(error as Error)
      }
      return
    }
    if (message.type === 'failed' && message.stage === 'decide') return this.fail(this.refusal(message))
    const waiting = this.waiting
    this.waiting = undefined
    waiting?.resolve(message)
  }

  /**
   * A record method the filter called (only a record's own methods): bench runs it on the record it
   * read, once, and sends the value. When the filter calls it on consecutive records — a filter that
   * decodes one image decodes them all — the next LOOKAHEAD records' values are computed and sent
   * ahead, so the filter finds them there instead of waiting a round trip each; a filter that calls
   * it here and there gets only what it asks for.
   */
  private call(message: Extract<FromChild, {type: 'call'}>): void {
    const {batch, index, method} = message
    const position = (this.offsets.get(batch) ?? NaN) + index
    const consecutive = position === (this.lastCall.get(method) ?? NaN) + 1
    this.lastCall.set(method, position)
    for (let ahead = 0; ahead <= (consecutive ? LOOKAHEAD : 0); ahead++) this.sendValue(batch, index + ahead, method)
  }

  /** Runs `method` on the record at `index` of `batch` (past its end: the next batch) and sends the value, once. */
  private sendValue(batch: number, index: number, method: unknown): void {
    let records = this.batches.get(batch)?.records
    if (records && index >= records.length) [batch, index, records] = [batch + 1, index - records.length, this.batches.get(batch + 1)?.records]
    const record = records?.[index] as Record<string, unknown> | undefined
    if (typeof method !== 'string' || (record && this.sent.get(record)?.has(method))) return
    if (!record) {
      // a position the child made up, or a batch not sent yet: only an asked-for value is answered
      if (records) this.send({type: 'value', batch, index, method, error: `no record ${index} in this batch`})
      return
    }
    const sent = this.sent.get(record) ?? new Set<string>()
    this.sent.set(record, sent.add(method))
    Promise.resolve()
      .then(() => {
        if (!Object.hasOwn(record, method) || typeof record[method] !== 'function') throw new Error(`record has no method ${JSON.stringify(method)}`)
        return (record[method] as () => unknown).call(record)
      })
      .then(
        (value) => this.send({type: 'value', batch, index, method, value}),
        (error: unknown) => this.send({type: 'value', batch, index, method, error: (error as Error)?.message ?? String(error)}),
      )
  }

  /** The first failure ends every pending request with it. */
  private fail(error: Error): void {
    this.failure ??= error
    for (const batch of this.batches.values()) batch.reject(this.failure)
    this.batches.clear()
    this.waiting?.reject(this.failure)
    this.waiting = undefined
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }

  private exitError(code: number | null, signal: NodeJS.Signals | null): DcbError {
    const how = signal ? `signal ${signal}` : `code ${code}`
    const said = this.lastLine ? `: ${this.lastLine}` : ''
    const pending = [...this.batches.values()][0]
    if (!this.loaded) return new DcbError('DCB_FILTER_BAD', `filter module ${this.options.file}: its process exited (${how}) while loading${said}`)
    const where = pending ? ` while deciding the batch of ${pending.records.length} samples from ${pending.records[0]?.uid}` : ''
    return new DcbError('DCB_FILTER_BAD', `filter '${this.name}': its process exited (${how})${where}${said}`)
  }

  /** A failure the child reported: the permission model's refusal, or the filter's own error. */
  private refusal(message: Extract<FromChild, {type: 'failed'}>): DcbError {
    const {file} = this.options
    const sample = message.stage === 'decide' ? this.batches.get(message.batch ?? -1)?.records[message.index ?? -1]?.uid : undefined
    const refused = refusedAction(message.error)
    if (refused) {
      const who = message.stage === 'decide' ? `filter '${this.name}'` : `filter module ${file}`
      const when = message.stage === 'decide' ? ` (on sample ${sample})` : message.stage === 'load' ? ' while loading' : ' in its factory'
      return new DcbError('DCB_FILTER_SANDBOX', `${who} was refused ${refused}${when}; ${ALLOWED}`)
    }
    if (message.stage === 'load') return new DcbError('DCB_FILTER_BAD', `filter module ${file}: cannot be loaded (${message.error.message})`)
    if (message.stage === 'factory') return new DcbError('DCB_FILTER_BAD', `filter module ${file}: its factory threw (${message.error.message})`)
    return new DcbError('DCB_FILTER_BAD', `filter '${this.name}' threw on sample ${sample}: ${message.error.message}`)
  }

  private protocolError(message: unknown): DcbError {
    return new DcbError('DCB_FILTER_BAD', `filter module ${this.options.file}: its process sent ${JSON.stringify(message).slice(0, 200)}, not what bench asked for`)
  }
}

/** What the permission model refused, in words; undefined for any other error. */
function refusedAction(error: SentError): string | undefined {
  if (error.code === 'ERR_DLOPEN_DISABLED') return 'loading a native addon'
  if (error.code !== 'ERR_ACCESS_DENIED') return undefined
  const what: Record<string, string> = {FileSystemRead: 'reading', FileSystemWrite: 'writing', ChildProcess: 'starting a process', WorkerThreads: 'starting a worker thread', WASI: 'using WASI'}
  const action = what[error.permission ?? ''] ?? `${error.permission ?? 'an action'}`
  return error.resource ? `${action} ${error.resource}` : action
}

/** A record's data fields and the names of its methods (structured clone drops functions). */
function sendable(record: PoolRecord): SentRecord {
  const data: Record<string, unknown> = {}
  const methods: string[] = []
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'function') methods.push(key)
    else data[key] = value
  }
  return {data, methods}
}

/** A sent decision back as a FilterDecision; apply.ts checks it as any filter's. */
function decisionOf(name: string, record: PoolRecord, decision: SentDecision): FilterDecision {
  if (decision !== null && typeof decision === 'object' && 'invalid' in decision) {
    throw new DcbError('DCB_FILTER_BAD', `filter '${name}' returned ${decision.invalid} for ${record.uid}; expected true, false, a score or {repeat: k} with a whole k ≥ 0`)
  }
  return decision as FilterDecision
}
