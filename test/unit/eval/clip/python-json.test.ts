import {describe, expect, it} from 'vitest'

import {parsePythonJson, PyInt, pythonFloatRepr, pythonJsonDumps, type PyJsonValue} from '../../../../src/util/python-json.js'
import {formatResultLine, parseResultsJsonl} from '../../../../src/eval/datacomp/results-file.js'
import {runPython} from '../../../helpers/python.js'
import {join} from 'node:path'

const fixture = join(import.meta.dirname, '../../../fixtures/python/json_dumps.py')

function bits(x: number): string {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  return view.getBigUint64(0).toString(16).padStart(16, '0')
}

/** Encodes a value for json_dumps.py: floats by their bits, ints tagged. */
function encode(v: PyJsonValue): unknown {
  if (v instanceof PyInt) return {int: v.value}
  if (typeof v === 'number') return {f64: bits(v)}
  if (Array.isArray(v)) return v.map(encode)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]))
  return v
}

describe('Python json.dumps compatibility', () => {
  it('writes floats, ints, strings and nesting exactly as Python 3 json.dumps', async () => {
    const floats = [0, -0, 1, -1, 0.5, 0.1, 1 / 3, 2 / 3, 1e-4, 9.99e-5, 1e-5, 1.5e-7, 123456789012345.6, 1e15, 1e16, 1.2345e16, 1e22, 1e100, 5e-324,
      Number.MAX_VALUE, 0.30000000000000004, 100, 12.0, 0.7071067811865476, Number.NaN, Infinity, -Infinity, 0.000123, 4.35e-5]
    const values: PyJsonValue[] = [
      ...floats,
      new PyInt(0), new PyInt(-12), new PyInt(2 ** 53 - 1),
      'plain', 'quote " backslash \\ tab \t nl \n cr \r', 'control \u0001 \u001f del \u007f', 'café Ωmega 日本 😀', '',
      null, true, false, [], {}, [1, [2, {a: null}]],
      {key: 'vtab/caltech101', dataset: 'Caltech-101', metrics: {acc1: 0.25, acc5: null, mean_per_class_recall: 0.2619047619047619, main_metric: 0.2619047619047619}},
    ]
    const out = (await runPython(fixture, [], {input: values.map((v) => JSON.stringify(encode(v))).join('\n') + '\n'})).split('\n')
    values.forEach((value, i) => expect(pythonJsonDumps(value), `value ${i}`).toBe(out[i]))
  })

  it('float repr switches notation where Python does', () => {
    expect(pythonFloatRepr(0.0001)).toBe('0.0001')
    expect(pythonFloatRepr(0.00001)).toBe('1e-05')
    expect(pythonFloatRepr(1e16)).toBe('1e+16')
    expect(pythonFloatRepr(9999999999999998)).toBe('9999999999999998.0')
    expect(pythonFloatRepr(1.5e300)).toBe('1.5e+300')
  })

  it('parses NaN/Infinity literals outside strings only', () => {
    expect(parsePythonJson('{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN and Infinity"}')).toEqual({a: Number.NaN, b: [Infinity, -Infinity], c: 'NaN and Infinity'})
    expect(parsePythonJson('{"q": "a \\" NaN", "n": NaN}')).toEqual({q: 'a " NaN', n: Number.NaN})
    expect(() => parsePythonJson('{"a": nan}')).toThrow(SyntaxError)
  })

  it('round-trips result lines and names the line of a broken one', () => {
    const row = {key: 'wilds/fmow', dataset: 'FMoW', metrics: {acc1: 0.5, 'acc_region:5': Number.NaN, 'count_region:5': 0, main_metric: 0.125}}
    const line = formatResultLine(row)
    expect(line).toBe('{"key": "wilds/fmow", "dataset": "FMoW", "metrics": {"acc1": 0.5, "acc_region:5": NaN, "count_region:5": 0.0, "main_metric": 0.125}}\n')
    const [parsed] = parseResultsJsonl(line, 'r.jsonl')
    expect(parsed).toEqual({...row, line: 1})
    expect(() => parseResultsJsonl(`${line}{"key": "cifar10", "dataset"`, 'r.jsonl')).toThrow(/^r\.jsonl:2: not a JSON line .*the last line has no newline/)
    expect(() => parseResultsJsonl('{"key": 1, "dataset": "x", "metrics": {}}\n', 'r.jsonl')).toThrow("r.jsonl:1: field 'key' must be a string, got 1")
    expect(() => parseResultsJsonl('{"key": "a", "dataset": "x", "metrics": {"main_metric": "0.5"}}\n', 'r.jsonl')).toThrow('r.jsonl:1: metrics.main_metric must be a number or null, got "0.5"')
    expect(() => parseResultsJsonl('[1]\n', 'r.jsonl')).toThrow('r.jsonl:1: expected a JSON object {"key", "dataset", "metrics"}, got an array')
  })
})
