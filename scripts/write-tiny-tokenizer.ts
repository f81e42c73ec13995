// Regenerates tracks/tokenizers/tiny-world.json from the tiny text world's vocabulary (npm run tokenizers).
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {buildTinyWorldTokenizerJson} from '../src/tokenizers/tiny-world.js'
import {packageRoot} from '../src/util/paths.js'

const file = join(packageRoot(), 'tracks/tokenizers/tiny-world.json')
writeFileSync(file, buildTinyWorldTokenizerJson())
console.log(`wrote ${file}`)
