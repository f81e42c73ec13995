// Regenerates docs/schemas/*.json from the zod schemas: `npm run schemas`. A unit test fails when they drift.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import '../src/benchmarks/builtins.js'
import {trackJsonSchemas} from '../src/tracks/json-schema.js'
import {packageRoot} from '../src/util/paths.js'

for (const [name, schema] of Object.entries(trackJsonSchemas())) {
  writeFileSync(join(packageRoot(), 'docs/schemas', name), `${JSON.stringify(schema, null, 2)}\n`)
}
