import {describe, expect, it} from 'vitest'

import {finalAnswer, generationCorrect, lmCorrect, multipleChoicePick, normalizeAnswer} from '../../../../src/eval/lm/metrics.js'
import {runPythonCode} from '../../../helpers/python-code.js'

// normalize_answer and the generation cut restated with CPython's re/string (llm-foundry 0.9.0,
// llmfoundry/eval/metrics/nlp.py: InContextLearningGenerationExactMatchAccuracy).
const PY = `
import json, re, string, sys
def normalize_answer(answer):
    def remove_articles(text): return re.sub(r'\\b(a|an|the)\\b', ' ', text)
    def white_space_fix(text): return ' '.join(text.split())
    def handle_punc(text):
        exclude = set(string.punctuation + ''.join([u'\\u2018', u'\\u2019', u'\\u00b4', u'\\u0060']))
        return ''.join(ch if ch not in exclude else ' ' for ch in text)
    return white_space_fix(remove_articles(handle_punc(answer.replace('_', ' ').lower()))).strip()
def final(out, stop, cot):
    if stop: out = re.split('|'.join(stop), out)[0]
    if cot: out = out.split(cot)[-1]
    return out
cases = json.load(open(sys.argv[1]))
print(json.dumps({'norm': [normalize_answer(s) for s in cases['texts']], 'final': [final(c['out'], c['stop'], c['cot']) for c in cases['gen']]}))
`

const TEXTS = [
  'The Eiffel Tower', ' an  apple_pie! ', 'THEATRE', 'a-b c', 'Paris.\nQ: next', 'l’été à Paris', 'the\u00a0end\u2003now', 'Über-the-top', 'x´y`z', 'an', 'Ann', 'thé the',
  'Catherine the Great', '  \t', 'écoles_and the_schools', '42 + 7 = 49', 'ĀTHE the Ǆ',
]
const GEN = [
  {out: ' Paris.\nQ: Where', stop: ['\n'], cot: ''},
  {out: ' 12 + 3 = 15 #### 15\n\nQ: x', stop: ['\n\n', 'Q:', 'Q: '], cot: ' #### '},
  {out: 'no stop here', stop: ['\n\n'], cot: ' #### '},
  {out: 'A #### B #### C', stop: [], cot: ' #### '},
  {out: 'Q: starts with stop', stop: ['Q:'], cot: ''},
]

describe('generation metric (llm-foundry 0.9.0) against CPython', () => {
  it('normalises and cuts exactly as Python does', async () => {
    const {writeFileSync, mkdtempSync} = await import('node:fs')
    const {join} = await import('node:path')
    const {tmpdir} = await import('node:os')
    const file = join(mkdtempSync(join(tmpdir(), 'dcbench-norm-')), 'cases.json')
    writeFileSync(file, JSON.stringify({texts: TEXTS, gen: GEN}))
    const expected = JSON.parse(await runPythonCode(PY, [file])) as {norm: string[]; final: string[]}
    expect(TEXTS.map(normalizeAnswer)).toEqual(expected.norm)
    expect(GEN.map((g) => finalAnswer(g.out, {stoppingCriteria: g.stop, cotDelimiter: g.cot, doNormalization: true}))).toEqual(expected.final)
  })

  it('matches by prefix after cleaning, with and without normalisation', () => {
    const settings = {stoppingCriteria: ['\n'], cotDelimiter: '', doNormalization: true}
    expect(generationCorrect(' The Paris.\nQ: x', ['paris'], settings)).toBe(true)
    expect(generationCorrect(' Parisian', ['Paris'], settings)).toBe(true) // starts-with, as llm-foundry
    expect(generationCorrect(' Lyon', ['Paris', 'Lyons'], settings)).toBe(false)
    expect(generationCorrect(' the Paris', ['Paris'], {...settings, doNormalization: false})).toBe(false)
    expect(generationCorrect(' Paris ', [' Paris'], {...settings, doNormalization: false})).toBe(true)
  })
})

describe('LM and multiple-choice metrics', () => {
  it('LM accuracy needs every continuation token', () => {
    expect(lmCorrect([1, 2, 3], [1, 2, 3])).toBe(true)
    expect(lmCorrect([1, 2, 4], [1, 2, 3])).toBe(false)
  })

  it('picks the lowest perplexity, the first on ties (float32 ties included)', () => {
    expect(multipleChoicePick([2.5, 1.25, 3])).toBe(1)
    expect(multipleChoicePick([1.5, 1.5, 0.5, 0.5])).toBe(2)
    // differ only below float32 resolution: torch sees a tie and keeps the first
    expect(multipleChoicePick([1.0000000001, 1.0])).toBe(0)
  })
})
