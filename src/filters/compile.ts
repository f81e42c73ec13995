import {builtinModules} from 'node:module'
import {dirname} from 'node:path'
import {pathToFileURL} from 'node:url'

import type {Plugin} from 'esbuild'

import {DcbError} from '../errors.js'

/**
 * A participant's filter module compiled, in bench's process, to one ES module that the sandboxed
 * process evaluates (src/filters/sandbox.ts). esbuild, not tsx: tsx compiles in the process that runs
 * the module, and esbuild's compiler is a separate program, which a sandboxed process may not start.
 *
 * Only Node's built-in modules may be imported. Anything else would be read here, with bench's
 * rights — a `.json` or `.txt` import is inlined as data — so a filter could carry any file of the
 * user's into the sandbox; a filter is one module (dependencies bundled into it beforehand, data read
 * at run time with `--allow-read`). `import type` and imports used only as types are erased first,
 * so `import type {DataFilter} from 'dcbench'` needs nothing. `import.meta.url`, `__filename` and
 * `__dirname` are the module file's; a CommonJS module's `require()` of a built-in goes to the global
 * `require` the sandboxed process sets.
 */

const BUILTINS = new Set(builtinModules)

const onlyBuiltins: Plugin = {
  name: 'dcbench-only-builtins',
  setup(build) {
    build.onResolve({filter: /.*/}, (args) => {
      if (args.kind === 'entry-point') return undefined
      if (args.path.startsWith('node:') || BUILTINS.has(args.path)) return {path: args.path, external: true}
      return {
        errors: [{text: `imports '${args.path}'; a filter runs sandboxed as one module: bundle what it imports into its file (esbuild --bundle), and read data files at run time with --allow-read`}],
      }
    })
  },
}

/** The module's source as one ES module; a module that does not compile is DCB_FILTER_BAD naming the line. */
export async function compileFilterModule(file: string): Promise<string> {
  const {build} = await import('esbuild')
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      logLevel: 'silent',
      plugins: [onlyBuiltins],
      define: {'import.meta.url': JSON.stringify(pathToFileURL(file).href), __filename: JSON.stringify(file), __dirname: JSON.stringify(dirname(file))},
    })
    return (result.outputFiles[0] as {text: string}).text
  } catch (error) {
    const first = (error as {errors?: {text: string; location?: {line: number; column: number} | null}[]}).errors?.[0]
    // esbuild counts columns from 0; editors and compilers name file:line:column counting from 1
    const where = first?.location ? `:${first.location.line}:${first.location.column + 1}` : ''
    throw new DcbError('DCB_FILTER_BAD', `filter module ${file}${where}: cannot be loaded: ${first?.text ?? (error as Error).message.split('\n')[0]}`)
  }
}
