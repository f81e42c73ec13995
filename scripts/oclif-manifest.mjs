#!/usr/bin/env node
// Writes oclif.manifest.json after the build (what `oclif manifest` does, without the oclif CLI's
// ~100 dependencies). With a manifest, `bench <command>` loads only that command's module instead of
// importing every command (and its Docker/ONNX/image libraries) at each start.
import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Plugin} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), `${JSON.stringify(plugin.manifest, null, 2)}\n`)
