import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {removeStaleTemps, tempPathFor, writeFileAtomic} from '../../../src/util/atomic-write.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-atomic-')

describe('removeStaleTemps', () => {
  it('removes the temporaries of processes that no longer run, and nothing else', async () => {
    const dir = tempDir()
    const target = join(dir, 'pool.uidx')
    // a pid that ran and exited: its temporary can never be renamed
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number
    writeFileSync(join(dir, `.pool.uidx.${dead}.0123abcd.partial`), 'half')
    mkdirSync(join(dir, `.pool.uidx.${dead}.89abcdef.partial`))
    const mine = tempPathFor(target)
    writeFileSync(mine, 'in progress')
    const others = ['.pool.uidx.1.0123abcd.partial', '.other.99999999.0123abcd.partial', `.pool.uidx.${dead}.nothex00.partial`, 'pool.uidx']
    for (const name of others) writeFileSync(join(dir, name), '')
    const removed = await removeStaleTemps(target)
    expect(removed.sort()).toEqual([`.pool.uidx.${dead}.0123abcd.partial`, `.pool.uidx.${dead}.89abcdef.partial`])
    expect(existsSync(mine)).toBe(true)
    expect(readdirSync(dir).sort()).toEqual([...others, mine.split('/').pop() as string].sort())
  })

  it('writeFileAtomic leaves no temporary behind', async () => {
    const dir = tempDir()
    await writeFileAtomic(join(dir, 'a.json'), '{}')
    expect(readdirSync(dir)).toEqual(['a.json'])
  })
})
