import {existsSync} from 'node:fs'
import {extname, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'

import {benchmarkIds, isBenchmark} from '../benchmarks/registry.js'
import {DcbError} from '../errors.js'
import {BUILTIN_FILTERS, builtinFilterNames} from './builtin.js'
import type {DataFilter, FilterContext, PoolRecord} from './filter.js'

const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']

/**
 * A filter by built-in name (`none`, `random`, `heuristic`, `oracle`) or from a module file. A module's
 * default export is a `DataFilter` or a factory `(context) => DataFilter`; TypeScript modules are
 * compiled on the fly with tsx, so participants write filters without a build step.
 */
export async function loadFilter(spec: string, context: FilterContext): Promise<DataFilter<PoolRecord>> {
  const builtin = BUILTIN_FILTERS[spec]
  if (builtin && !existsSync(spec)) return builtin.create(context)
  const file = resolve(spec)
  if (!MODULE_EXTENSIONS.includes(extname(file))) {
    throw new DcbError('DCB_FILTER_USAGE', `filter '${spec}': not a built-in filter (${builtinFilterNames().join(', ')}) nor a module file (${MODULE_EXTENSIONS.join(' ')})`)
  }
  if (!existsSync(file)) throw new DcbError('DCB_FILTER_USAGE', `filter module ${file}: no such file`)
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

function checkFilterShape(value: unknown, file: string): DataFilter<PoolRecord> {
  const f = value as Partial<DataFilter<PoolRecord>> | null
  const problem =
    !f || typeof f !== 'object'
      ? `its default export is ${f === null ? 'null' : typeof f}, not a filter object`
      : typeof f.name !== 'string' || f.name.length === 0
        ? "the filter has no 'name' string"
        : typeof f.decide !== 'function'
          ? "the filter has no 'decide(record)' function"
          : !Array.isArray(f.benchmarks) || f.benchmarks.length === 0 || f.benchmarks.some((b) => !isBenchmark(b))
            ? `'benchmarks' must be a non-empty list of benchmark ids (${benchmarkIds().join(', ')})`
            : undefined
  if (problem) throw new DcbError('DCB_FILTER_BAD', `filter module ${file}: ${problem}`)
  return f as DataFilter<PoolRecord>
}
