// Regenerates containers/official/gpu-check-args.json (what the prepared GPU check runs) from the smoke plans: `npm run gpu-check-args`. A unit test fails when they drift.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import '../src/benchmarks/builtins.js'
import {gpuCheckArgs} from '../src/runner/official/gpu-check-args.js'
import {packageRoot} from '../src/util/paths.js'

writeFileSync(join(packageRoot(), 'containers/official/gpu-check-args.json'), `${JSON.stringify(gpuCheckArgs(), null, 2)}\n`)
