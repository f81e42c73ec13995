import {describe, expect, it} from 'vitest'

import {parsePythonJson, pythonFloatRepr, pythonJsonDumps} from '../../../../src/util/python-json.js'
import {pythonListRepr, pythonStrRepr} from '../../../../src/eval/dclm/python-repr.js'

describe('Python float repr', () => {
  it.each([
    [0.8799999952316284, '0.8799999952316284'],
    [1, '1.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.5, '0.5'],
    [1e-4, '0.0001'],
    [1e-5, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1234567890123456, '1234567890123456.0'],
    [1e16, '1e+16'],
    [-2.5e22, '-2.5e+22'],
    [Number.NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('%s → %s', (value, text) => {
    expect(pythonFloatRepr(value)).toBe(text)
  })
})

describe('json.dump(indent=4)', () => {
  it('writes nested objects, floats, NaN and escaped non-ASCII like Python', () => {
    const text = pythonJsonDumps({name: 'eval/heavy', eval_metrics: {icl: {copa: 1, boolq: 0.5}}, 'missing tasks': '[]', cats: {}, l: [], x: Number.NaN, u: 'é'}, {indent: 4})
    expect(text).toBe(
      '{\n    "name": "eval/heavy",\n    "eval_metrics": {\n        "icl": {\n            "copa": 1.0,\n            "boolq": 0.5\n        }\n    },\n' +
        '    "missing tasks": "[]",\n    "cats": {},\n    "l": [],\n    "x": NaN,\n    "u": "\\u00e9"\n}',
    )
  })

  it('reads back what it writes, NaN and Infinity included', () => {
    const value = {a: Number.NaN, b: [Infinity, -Infinity, 0.25], c: 'NaN inside a string "quoted" \\ ok'}
    const back = parsePythonJson(pythonJsonDumps(value, {indent: 4})) as typeof value
    expect(back.a).toBeNaN()
    expect(back.b).toEqual([Infinity, -Infinity, 0.25])
    expect(back.c).toBe(value.c)
  })

  it('rejects text that is not JSON', () => {
    expect(() => parsePythonJson('{"a": nan}')).toThrow(SyntaxError)
    expect(() => parsePythonJson("{'a': 1}")).toThrow(SyntaxError)
  })
})

describe('Python str/list repr', () => {
  it('quotes like Python', () => {
    expect(pythonListRepr(['squad', 'coqa'])).toBe("['squad', 'coqa']")
    expect(pythonListRepr([])).toBe('[]')
    expect(pythonStrRepr("it's")).toBe('"it\'s"')
    expect(pythonStrRepr('say "hi" it\'s')).toBe("'say \"hi\" it\\'s'")
    expect(pythonStrRepr('a\nb\\c\u0001é\u200b')).toBe("'a\\nb\\\\c\\x01é\\u200b'")
  })
})
