// Regenerates docs/errors.md from the error catalogue (src/error-catalogue.ts): `npm run errors`. A unit test fails when they drift.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {renderErrorsDoc} from '../src/ui/errors-doc.js'
import {packageRoot} from '../src/util/paths.js'

writeFileSync(join(packageRoot(), 'docs/errors.md'), renderErrorsDoc())
