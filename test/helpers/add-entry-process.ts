// Child process for the concurrent-add test: waits for a barrier file, then adds one entry to a board
// with the library (the same addEntry the CLI calls), and prints the result as JSON.
import {existsSync} from 'node:fs'

// A process of its own: register the built-in benchmarks as the CLI's entry point does.
import '../../src/benchmarks/builtins.js'
import {addEntry} from '../../src/leaderboard/index.js'
import {testSuites} from './leaderboard.js'

const [entryFile, boardDir, keyringDir, barrier] = process.argv.slice(2) as [string, string, string, string]
process.stdout.write('ready\n')
while (!existsSync(barrier)) await new Promise((resolve) => setTimeout(resolve, 2))
try {
  const result = await addEntry({entryFile, boardDir, keyringDir, suites: testSuites})
  process.stdout.write(`${JSON.stringify({ok: true, entryId: result.entryId, records: result.records})}\n`)
} catch (error) {
  process.stdout.write(`${JSON.stringify({ok: false, code: (error as {code?: string}).code, message: (error as Error).message})}\n`)
  process.exitCode = 1
}
