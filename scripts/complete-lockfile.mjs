#!/usr/bin/env node
// The npm registry this project is built against serves only the packages of the host platform, so
// `npm install` leaves other platforms' optional binaries (rollup, esbuild, sharp…) out of
// package-lock.json, and `npm ci` then refuses the lock as out of sync. This adds each missing
// optional dependency as an optional entry without a tarball: `npm ci` accepts the lock and skips
// them, as it skips any optional package it cannot install. Runs after every install (postinstall);
// idempotent. test/unit/project/lockfile.test.ts fails if the lock is left incomplete.
import {readFileSync, writeFileSync} from 'node:fs'

const file = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(file, 'utf8'))
const packages = lock.packages ?? {}

export function missingOptionals(entries) {
  const missing = []
  for (const [path, meta] of Object.entries(entries)) {
    for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
      const nested = `${path === '' ? '' : `${path}/`}node_modules/${name}`
      if (!entries[nested] && !entries[`node_modules/${name}`]) missing.push({name, range, dev: Boolean(meta.dev)})
    }
  }
  return missing
}

const missing = missingOptionals(packages)
for (const {name, range, dev} of missing) {
  packages[`node_modules/${name}`] ??= {version: range, optional: true, ...(dev ? {dev: true} : {})}
}
if (missing.length > 0) {
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`)
  console.log(`complete-lockfile: added ${missing.length} optional platform entries to package-lock.json`)
}
