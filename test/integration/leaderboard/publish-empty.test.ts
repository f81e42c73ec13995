import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runBench} from '../../helpers/cli.js'

// A board with no entries yet still publishes a site that says so, and a CSV with the header alone.
describe('bench leaderboard publish of an empty board', () => {
  it('writes a "no entries yet" page and Markdown, and csv/leaderboard.csv with its header only', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dcbench-empty-board-'))
    const board = join(root, 'board')
    mkdirSync(board)
    writeFileSync(join(board, 'entries.jsonl'), '')
    const site = join(root, 'site')
    const result = await runBench(['leaderboard', 'publish', '--board', board, '--out', site])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain(`published 0 entries in 0 boards → ${site}`)
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toContain('<p class="empty">No entries yet: `bench leaderboard add` adds the first.</p>')
    expect(readFileSync(join(site, 'leaderboard.md'), 'utf8')).toContain('No entries yet: `bench leaderboard add` adds the first.')
    expect(readFileSync(join(site, 'csv', 'leaderboard.csv'), 'utf8')).toBe('rank,method,submitter,status,subset_size,method_link,created_at,entry_id\r\n')
  })
})
