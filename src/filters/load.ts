import {existsSync} from 'node:fs'
import {extname, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'

import {DcbError} from '../errors.js'
import {builtinFilterNames, findBuiltinFilter} from './builtin.js'
import type {BuiltinFilterOptions} from './builtin-types.js'
import type {DataFilter, FilterContext, PoolRecord} from './filter.js'
import {isBatchDecider, startSandboxedFilter} from './sandbox.js'
import {checkFilterShape} from './shape.js'

const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']

/** How a filter module is run. */
export interface LoadFilterOptions {
  /**
   * Run a module file in this process (compiled with tsx) instead of the sandbox: only for code
   * trusted as bench itself is (a library caller's own filter, measurements of the sandbox). Default false.
   */
  inProcess?: boolean
  /** More files or folders a sandboxed filter may read (`bench filter --allow-read`). */
  allowRead?: readonly string[]
  /** Each line a sandboxed filter prints; without it, its output is dropped. */
  onOutput?: (line: string) => void
  /** The flags a built-in filter reads (`--arch`, `--threshold`, …). */
  builtin?: BuiltinFilterOptions
}

/**
 * A filter by built-in name (`none`, `random`, `heuristic`, `oracle`, a benchmark's baselines) or from a module file. A module's
 * default export is a `DataFilter` or a factory `(context) => DataFilter`; TypeScript modules are
 * compiled on the fly, so participants write filters without a build step. A module is code: it runs
 * in a child process under Node's permission model (src/filters/sandbox.ts, docs/security.md); the
 * filter returned then holds that process — release it with `closeFilter`.
 */
export async function loadFilter(spec: string, context: FilterContext, options: LoadFilterOptions = {}): Promise<DataFilter<PoolRecord>> {
  const builtin = isFilterModuleSpec(spec) ? undefined : findBuiltinFilter(spec, context.benchmark)
  if (builtin) return builtin.create(context, options.builtin ?? {})
  const file = checkFilterModule(spec)
  if (!options.inProcess) return startSandboxedFilter({file, context: {...context, pool: resolve(context.pool)}, allowRead: options.allowRead, onOutput: options.onOutput})
  let exported: unknown
  try {
    const module = (await importModule(file)) as {default?: unknown}
    exported = unwrapDefault(module.default)
  } catch (error) {
    throw new DcbError('DCB_FILTER_BAD', `filter module ${file}: cannot be loaded (${(error as Error).message.split('\n')[0]})`)
  }
  if (exported === undefined) throw new DcbError('DCB_FILTER_BAD', `filter module ${file}: no default export; export a DataFilter or a function returning one`)
  let filter: unknown
  try {
    filter = typeof exported === 'function' ? await (exported as (c: FilterContext) => unknown)(context) : exported
  } catch (error) {
    if (error instanceof DcbError) throw error
    throw new DcbError('DCB_FILTER_BAD', `filter module ${file}: its factory threw (${(error as Error).message.split('\n')[0]})`)
  }
  return checkFilterShape(filter, file)
}

/**
 * A spec names a module file when it has a module extension or a path separator; a bare name is
 * looked up among the built-ins first, so a folder called `semdedup` in the working directory (a
 * quickstart leaves such folders) does not hide the built-in filter of that name.
 */
export function isFilterModuleSpec(spec: string): boolean {
  return MODULE_EXTENSIONS.includes(extname(spec)) || /[\\/]/.test(spec)
}

/**
 * Checks `spec` names a filter — a built-in for `benchmark`'s pools, or a module file — without
 * loading it (`bench filter --executor slurm` checks before it submits); returns the module's path, or undefined for a built-in.
 */
export function checkFilterSpec(spec: string, benchmark: string): string | undefined {
  return !isFilterModuleSpec(spec) && findBuiltinFilter(spec, benchmark) ? undefined : checkFilterModule(spec)
}

function checkFilterModule(spec: string): string {
  const file = resolve(spec)
  if (!MODULE_EXTENSIONS.includes(extname(file))) {
    throw new DcbError('DCB_FILTER_USAGE', `filter '${spec}': not a built-in filter (${builtinFilterNames().join(', ')}) nor a module file (${MODULE_EXTENSIONS.join(' ')})`)
  }
  if (!existsSync(file)) throw new DcbError('DCB_FILTER_USAGE', `filter module ${file}: no such file`)
  return file
}

/** Ends the process a sandboxed filter holds; nothing for any other filter. */
export async function closeFilter(filter: DataFilter<PoolRecord>): Promise<void> {
  if (isBatchDecider(filter)) await filter.close()
}

async function importModule(file: string): Promise<unknown> {
  if (/\.[mc]?ts$/.test(file)) {
    const {tsImport} = await import('tsx/esm/api')
    return tsImport(pathToFileURL(file).href, import.meta.url)
  }
  return import(pathToFileURL(file).href)
}

/**
 * tsx compiles a .ts file outside an ESM package to CommonJS; through ESM interop its exports object
 * arrives as `default`, marked `__esModule`, and the module's own default export is `default.default`.
 */
function unwrapDefault(value: unknown): unknown {
  if (value && typeof value === 'object' && (value as {__esModule?: unknown}).__esModule) return (value as {default?: unknown}).default
  return value
}
