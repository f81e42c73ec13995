import {describe, expect, it} from 'vitest'

import {memberPathProblem} from '../../../src/leaderboard/bundle/format.js'
import {quoteUntrusted} from '../../../src/util/quote-untrusted.js'

describe('bundle member paths', () => {
  it.each(['bundle.json', 'entry.json', 'run/run.json', 'run/model/model.json', 'run/model/tokenizer/vocab.json', 'eval/eval_results.jsonl', 'eval/evaluation_m_dclm-53.json'])('allows %s', (path) => {
    expect(memberPathProblem(path)).toBeUndefined()
  })

  it.each([
    ['', /1 to 240 characters/],
    ['x'.repeat(241), /1 to 240 characters/],
    ['/etc/passwd', /'' is not a plain/],
    ['run/model/../../../etc/passwd', /'\.\.' is not a plain/],
    ['run/model/./x', /'\.' is not a plain/],
    ['eval\\..\\x', /is not a plain/],
    ['run/model/-rf', /'-rf' is not a plain/],
    ['run/model/a b', /is not a plain/],
    ['run/model/\u202egnp.exe', /'\\u202egnp\.exe' is not a plain/],
    ['run/model/a/b/c/d/e/f/g', /more than 8 folders deep/],
    ['model/model.json', /not a place a bundle holds files/],
    ['run/other.json', /not a place/],
    ['eval/sub/file', /not a place/],
    ['run/model', /not a place/],
  ])('refuses %j', (path, problem) => {
    expect(memberPathProblem(path)).toMatch(problem)
  })
})

describe('quoteUntrusted', () => {
  it('escapes what could drive a terminal or fake a line, and cuts long text', () => {
    expect(quoteUntrusted('plain name.txt')).toBe("'plain name.txt'")
    expect(quoteUntrusted('a\x1b[31mred\nnext')).toBe("'a\\u001b[31mred\\u000anext'")
    expect(quoteUntrusted("it's \\ \u2028")).toBe("'it\\u0027s \\u005c \\u2028'")
    expect(quoteUntrusted('x'.repeat(100), 10)).toBe(`'${'x'.repeat(10)}…'`)
  })
})
