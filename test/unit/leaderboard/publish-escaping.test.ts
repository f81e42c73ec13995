import {describe, expect, it} from 'vitest'

import {rankBoards, type BoardRecord} from '../../../src/leaderboard/index.js'
import {renderCsv, renderMarkdown} from '../../../src/leaderboard/publish/render-tables.js'
import {testSuites, unsignedEntry} from '../../helpers/leaderboard.js'

/**
 * Entry strings are attacker-controlled: every output format escapes them for where they are written
 * (issue 17: raw HTML and `javascript:` links in Markdown, formula injection in CSV).
 */

function board(method: string, submitter: string, link?: string): ReturnType<typeof rankBoards>[number] {
  const entry = unsignedEntry({seed: 1})
  const record = {
    record_version: 1,
    entry_id: 'a'.repeat(64),
    added_at: '2025-03-01T00:00:00.000Z',
    status: 'self-reported',
    signer: {key_id: 'b'.repeat(64), name: 'alice'},
    entry: {...entry, submitter: {name: submitter}, method: {...entry.method, name: method, ...(link === undefined ? {} : {link})}, signature: {algorithm: 'ed25519', key_id: 'b'.repeat(64), value: `${'A'.repeat(86)}==`}},
  } as unknown as BoardRecord
  return rankBoards([record], testSuites)[0] as ReturnType<typeof rankBoards>[number]
}

describe('Markdown output', () => {
  it('shows HTML in entry strings as text, not markup', () => {
    const md = renderMarkdown([board('<script>alert(1)</script>', '<img src=x onerror=alert(2)>')], '2025-04-01')
    expect(md).not.toMatch(/<script|<img/i)
    expect(md).toContain('&lt;script&gt;alert\\(1\\)&lt;/script&gt;')
  })

  it('links only http(s) URLs, and entry text cannot make a link of its own', () => {
    const javascript = renderMarkdown([board('click me', 'mallory', 'javascript:alert(1)')], '2025-04-01')
    expect(javascript).not.toContain('javascript:')
    const smuggled = renderMarkdown([board('[click](javascript:alert(1))', 'mallory')], '2025-04-01')
    expect(smuggled).not.toMatch(/\]\(javascript:/)
    const fine = renderMarkdown([board('good method', 'alice', 'https://example.org/a_(b)')], '2025-04-01')
    expect(fine).toContain('[good method](https://example.org/a_%28b%29)')
  })
})

describe('CSV output', () => {
  it('prefixes text cells that a spreadsheet would run as a formula; numbers stay numbers', () => {
    for (const method of ['=HYPERLINK("http://x","y")', '+1+2', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
      const csv = renderCsv(board(method, 'alice'))
      const cell = csv.split('\r\n')[1]!.split(',')[1]!
      const text = cell.startsWith('"') ? cell.slice(1) : cell
      expect(text.startsWith("'"), `${JSON.stringify(method)} → ${cell}`).toBe(true)
    }
    const csv = renderCsv(board('plain', 'alice'))
    const [header, row] = csv.split('\r\n') as [string, string]
    const numbers = row.split(',').slice(header.split(',').indexOf('subset_size'), header.split(',').indexOf('subset_size') + 1)
    expect(numbers[0]).toMatch(/^\d+$/)
  })

  it('keeps a negative score a number (DCLM centered scores go below zero)', () => {
    const b = board('plain', 'alice')
    const headline = b.columns[0]!.key
    b.rows[0]!.aggregates[headline] = -0.125
    const csv = renderCsv(b)
    expect(csv.split('\r\n')[1]).toContain(',-0.125,')
  })
})
