import {describe, expect, it} from 'vitest'

import {ClipTokenizer} from '../../../src/eval/clip/tokenizer.js'
import {runPythonCode} from '../../helpers/python-code.js'
import {trainersDir} from '../../helpers/trainer-run.js'

// The trainers' Python CLIP tokenizer (containers/trainers/dcbench_trainers/clip_tokenizer.py) must give
// the ids of the eval side's tokenizer (src/eval/clip/tokenizer.ts, checked against open_clip there).

const TEXTS = [
  'a red circle on the left',
  'A photo of a BLUE square, in the centre!',
  "it's the 2nd time we've seen 1,234 cats",
  '“curly quotes” and ﬁne ligatures &amp; entities',
  'ｆｕｌｌ－ｗｉｄｔｈ and naïve café — über',
  '日本語のテキスト and emoji 🙂🙂',
  '   spaces\t\tand\nnew lines   ',
  'word '.repeat(100),
  '',
]

describe('the trainers’ CLIP tokenizer', () => {
  it('gives the same 77-token rows as the eval tokenizer', async () => {
    const code = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(trainersDir())})`,
      'from dcbench_trainers.clip_tokenizer import ClipTokenizer',
      'print(json.dumps(ClipTokenizer().tokenize(json.loads(sys.argv[1]))))',
    ].join('\n')
    const rows = JSON.parse(await runPythonCode(code, [JSON.stringify(TEXTS)])) as number[][]
    const expected = new ClipTokenizer().tokenize(TEXTS)
    expect(rows).toHaveLength(TEXTS.length)
    rows.forEach((row, i) => expect(row, TEXTS[i]).toEqual(Array.from(expected.subarray(i * 77, (i + 1) * 77), Number)))
    expect(rows[0]?.[0]).toBe(49406)
    expect(rows[7]?.[76]).toBe(49407)
  })
})
