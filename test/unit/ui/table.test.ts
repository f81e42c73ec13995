import {afterEach, describe, expect, it} from 'vitest'

import {renderTable, setTableLayout} from '../../../src/ui/table.js'

const widest = (text: string): number => Math.max(...text.split('\n').map((line) => line.length))

const head = ['benchmark', 'scale', 'compute', 'recipe hash']
const rows = [
  ['datacomp', 'small', '12.8M samples · 3140 steps · 9.5e+16 MACs (paper, unverified)', '1907d1fbea63'],
  ['dclm', '7b-2x', '276B tokens · 1.9e+22 FLOPs', 'f00dfeedbeef'],
]

describe('renderTable fits the terminal (issue 18)', () => {
  afterEach(() => setTableLayout({wide: false}))

  it('leaves a table that fits as it is', () => {
    const table = renderTable(head, rows, {maxWidth: 200})
    expect(table.split('\n')).toHaveLength(7)
    expect(table).toContain('12.8M samples · 3140 steps · 9.5e+16 MACs (paper, unverified)')
  })

  it('wraps the widest column at spaces to fit, never cutting a word', () => {
    const table = renderTable(head, rows, {maxWidth: 72})
    expect(widest(table)).toBeLessThanOrEqual(72)
    expect(table).toContain('1907d1fbea63')
    expect(table).toMatch(/│ 12\.8M samples · 3140 steps · +│/)
  })

  it('prints a table that cannot fit even wrapped vertically, one column: value line per cell', () => {
    const table = renderTable(head, rows, {maxWidth: 40})
    expect(widest(table)).toBeLessThanOrEqual(40)
    expect(table.split('\n\n')).toHaveLength(2)
    expect(table.split('\n').slice(0, 3)).toEqual(['benchmark    datacomp', 'scale        small', 'compute      12.8M samples · 3140 steps'])
    expect(table).toContain('recipe hash  1907d1fbea63')
  })

  it('splits long words only in the prose columns the caller names', () => {
    const table = renderTable(['code', 'fix'], [['DCB_X', 'see docs/adding-a-benchmark.md#the-interface for the members']], {maxWidth: 30, wrap: [1]})
    expect(widest(table)).toBeLessThanOrEqual(30)
    expect(table).toMatch(/│ DCB_X │/)
  })

  it('--wide (setTableLayout) prints the natural width whatever the terminal', () => {
    setTableLayout({wide: true})
    const table = renderTable(head, rows, {maxWidth: 40})
    expect(widest(table)).toBeGreaterThan(90)
    expect(table.split('\n')).toHaveLength(7)
  })
})
