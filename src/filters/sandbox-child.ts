/**
 * The process a participant's filter module runs in (src/filters/sandbox.ts starts it): Node's
 * permission model lets it read only this file, the filter module, the pool and `--allow-read`
 * paths, and write nothing; no processes, worker threads, native addons or WASI. It receives the
 * module compiled to one ES module, evaluates it, and decides the records bench sends, in pool order,
 * one at a time. Record methods (a DataComp record's `image()`) are called back in bench, which read
 * the record (the decoder is a native addon, which this process may not load).
 *
 * It imports nothing of dcbench but types: each module it loaded would be one more file to allow.
 */
import {createRequire} from 'node:module'

import type {FromChild, SentDecision, SentError, SentRecord, ToChild} from './sandbox-protocol.js'

interface LoadedFilter {
  name?: unknown
  description?: unknown
  benchmarks?: unknown
  decide(record: Record<string, unknown>): unknown
}

let filter: LoadedFilter | undefined
/** Set after a failure: bench ends this process, and nothing more is decided. */
let stopped = false
/** `load` and `batch` messages, handled one after the other (a filter may keep state across records). */
let queue: Promise<void> = Promise.resolve()
/** Record method values bench sent, and calls waiting for theirs, by `batch:index:method`. */
const values = new Map<string, Extract<ToChild, {type: 'value'}>>()
const waiting = new Map<string, {resolve: (value: unknown) => void; reject: (error: Error) => void}>()

function send(message: FromChild): void {
  process.send?.(message)
}

function describeError(error: unknown): SentError {
  const e = (error ?? {}) as {message?: unknown; code?: unknown; permission?: unknown; resource?: unknown}
  const message = typeof e.message === 'string' ? e.message : String(error)
  return {
    message: message.split('\n')[0] as string,
    ...(typeof e.code === 'string' ? {code: e.code} : {}),
    ...(typeof e.permission === 'string' ? {permission: e.permission} : {}),
    ...(typeof e.resource === 'string' ? {resource: e.resource} : {}),
  }
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** What bench checks the decision against (apply.ts): the filter's value when it is of an allowed kind. */
function sentDecision(decision: unknown): SentDecision {
  if (typeof decision === 'boolean' || typeof decision === 'number') return decision
  const repeat = (decision as {repeat?: unknown} | null)?.repeat
  if (decision !== null && typeof decision === 'object' && typeof repeat === 'number') return {repeat}
  return {invalid: describeValue(decision)}
}

/** tsx-style interop: a CommonJS module's exports arrive as `default`, marked `__esModule`. */
function unwrapDefault(value: unknown): unknown {
  if (value && typeof value === 'object' && (value as {__esModule?: unknown}).__esModule) return (value as {default?: unknown}).default
  return value
}

async function load(message: Extract<ToChild, {type: 'load'}>): Promise<void> {
  let exported: unknown
  try {
    // esbuild's ES module output calls the global require for a CommonJS module's require('node:…')
    ;(globalThis as {require?: unknown}).require = createRequire(message.file)
    const module = (await import(`data:text/javascript;base64,${Buffer.from(message.code).toString('base64')}`)) as {default?: unknown}
    exported = unwrapDefault(module.default)
  } catch (error) {
    stopped = true
    send({type: 'failed', stage: 'load', error: describeError(error)})
    return
  }
  const hasDefault = exported !== undefined
  if (typeof exported === 'function') {
    try {
      exported = await (exported as (context: unknown) => unknown)(message.context)
    } catch (error) {
      stopped = true
      send({type: 'failed', stage: 'factory', error: describeError(error)})
      return
    }
  }
  const f = exported as Partial<LoadedFilter> | null | undefined
  const plain = (value: unknown): unknown => (typeof value === 'string' ? value : value === undefined ? undefined : describeValue(value))
  send({
    type: 'loaded',
    hasDefault,
    exported: f === null ? 'null' : typeof f,
    name: f && typeof f === 'object' ? plain(f.name) : undefined,
    description: f && typeof f === 'object' ? plain(f.description) : undefined,
    benchmarks: f && typeof f === 'object' && Array.isArray(f.benchmarks) ? f.benchmarks.map(plain) : f && typeof f === 'object' ? plain(f.benchmarks) : undefined,
    decide: f && typeof f === 'object' ? typeof f.decide : 'undefined',
  })
  if (f && typeof f === 'object' && typeof f.decide === 'function') filter = f as LoadedFilter
}

function settle(value: Extract<ToChild, {type: 'value'}>, resolve: (value: unknown) => void, reject: (error: Error) => void): void {
  if (value.error === undefined) resolve(value.value)
  else reject(new Error(value.error))
}

/**
 * A record as the filter sees it: the data bench sent, and its methods, whose values bench computes
 * (once per record) and sends — ahead of the call, or in answer to it.
 */
function revive(sent: SentRecord, batch: number, index: number): Record<string, unknown> {
  const record: Record<string, unknown> = {...sent.data}
  for (const method of sent.methods) {
    let result: Promise<unknown> | undefined
    record[method] = () => (result ??= new Promise((resolve, reject) => {
      const key = `${batch}:${index}:${method}`
      send({type: 'call', batch, index, method})
      const value = values.get(key)
      values.delete(key)
      if (value) settle(value, resolve, reject)
      else waiting.set(key, {resolve, reject})
    }))
  }
  return record
}

async function decide(message: Extract<ToChild, {type: 'batch'}>): Promise<void> {
  if (stopped || !filter) return
  const decisions: SentDecision[] = []
  for (const [index, sent] of message.records.entries()) {
    try {
      decisions.push(sentDecision(await filter.decide(revive(sent, message.batch, index))))
    } catch (error) {
      stopped = true
      send({type: 'failed', stage: 'decide', batch: message.batch, index, error: describeError(error)})
      return
    }
  }
  send({type: 'decided', batch: message.batch, decisions})
  // values sent ahead for records the filter did not ask about
  for (const key of values.keys()) if (key.startsWith(`${message.batch}:`)) values.delete(key)
}

process.on('message', (message: ToChild) => {
  if (message.type === 'value') {
    const key = `${message.batch}:${message.index}:${message.method}`
    const call = waiting.get(key)
    waiting.delete(key)
    if (call) settle(message, call.resolve, call.reject)
    else values.set(key, message)
    return
  }
  queue = queue.then(() => (message.type === 'load' ? load(message) : decide(message)))
})
// bench gone (closed, killed): nothing is left to decide for
process.on('disconnect', () => process.exit(0))

// What bench checks before it sends the filter: that the permission model is on and holds.
const permission = (process as {permission?: {has(scope: string, reference?: string): boolean}}).permission
send({type: 'ready', sandboxed: permission !== undefined && !permission.has('fs.write') && !permission.has('child') && !permission.has('worker')})
