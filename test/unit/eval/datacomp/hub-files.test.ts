import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {checkHubFiles, readHubTable, retrievalExamples, winogavilExamples} from '../../../../src/eval/datacomp/hub-files.js'
import {loadSuite, type SuiteTask} from '../../../../src/eval/datacomp/suite.js'
import {openZip} from '../../../../src/eval/datacomp/zip-reader.js'
import {csvText, zipOf} from '../../../helpers/fake-hub-layouts.js'

const root = mkdtempSync(join(tmpdir(), 'dcbench-hub-files-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))
const suite = loadSuite('datacomp-38')
const flickr = suite.tasks.find((t) => t.key === 'retrieval/flickr_1k_test_image_text_retrieval') as SuiteTask
const wino = suite.tasks.find((t) => t.key === 'misc/winogavil') as SuiteTask
let n = 0
const dirWith = (files: Record<string, string | Buffer>): string => {
  const dir = join(root, `d${n++}`)
  mkdirSync(dir)
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data)
  return dir
}

describe('the nlphuji tables (read as pandas.read_csv + json.loads read them)', () => {
  it('keeps row order and captions with quotes, commas and line breaks intact', async () => {
    const captions = [['a "quoted" dog, running', 'two\nlines'], ['ünïcödé ☃', '']]
    const dir = dirWith({'test_1k_flickr.csv': csvText(['filename', 'raw'], [['2.jpg', JSON.stringify(captions[0])], ['1.jpg', JSON.stringify(captions[1])]])})
    const examples = await retrievalExamples(dir, flickr)
    expect(examples).toEqual([
      {image: 'images_flickr_1k_test/2.jpg', captions: captions[0]},
      {image: 'images_flickr_1k_test/1.jpg', captions: captions[1]},
    ])
  })

  it('names the file, row and column of a cell that is not a JSON list of strings, and a missing column', async () => {
    const bad = dirWith({'test_1k_flickr.csv': csvText(['filename', 'raw'], [['1.jpg', '["ok"]'], ['2.jpg', "['python', 'repr']"]])})
    await expect(retrievalExamples(bad, flickr)).rejects.toThrow(/test_1k_flickr\.csv: data row 2, column raw: not a JSON list: "\['python', 'repr'\]"/)
    const numbers = dirWith({'test_1k_flickr.csv': csvText(['filename', 'raw'], [['1.jpg', '[1, 2]']])})
    await expect(retrievalExamples(numbers, flickr)).rejects.toThrow(/data row 1, column raw: expected a JSON list of strings, got "\[1, 2\]"/)
    const noColumn = dirWith({'test_1k_flickr.csv': 'filename,captions\n1.jpg,"[]"\n'})
    await expect(retrievalExamples(noColumn, flickr)).rejects.toThrow(/test_1k_flickr\.csv: no column raw \(columns: filename, captions\)/)
    await expect(readHubTable(join(noColumn, 'test_1k_flickr.csv'), ['filename'])).resolves.toHaveLength(1)
  })

  it('WinoGAViL: gold = np.isin(candidates, associations), images <candidate>.jpg in candidate order', async () => {
    const dir = dirWith({'winogavil_dataset.csv': csvText(['candidates', 'cue', 'associations', 'ID'], [[JSON.stringify(['eagle', 'teepee', 'ash']), 'bald', JSON.stringify(['ash', 'eagle']), '0']])})
    expect(await winogavilExamples(dir, wino)).toEqual([
      {cue: 'bald', candidates: ['eagle', 'teepee', 'ash'], images: ['winogavil_images/eagle.jpg', 'winogavil_images/teepee.jpg', 'winogavil_images/ash.jpg'], gold: [true, false, true]},
    ])
  })

  it('the fetch check: example count against the task table, and every image the table names in the zip', async () => {
    const table = csvText(['filename', 'raw'], [['1.jpg', '["a"]'], ['2.jpg', '["b"]']])
    const zip = await zipOf([{name: 'images_flickr_1k_test/1.jpg', data: Buffer.from('x')}])
    const dir = dirWith({'test_1k_flickr.csv': table, 'images_flickr_1k_test.zip': zip})
    expect(await checkHubFiles(dir, {...flickr, size: 3})).toMatchObject({samples: 2, problem: expect.stringMatching(/2 examples in test_1k_flickr\.csv, the task table says 3/)})
    expect(await checkHubFiles(dir, {...flickr, size: 2})).toMatchObject({samples: 2, problem: expect.stringMatching(/images_flickr_1k_test\.zip: 1 image\(s\) the table names are not in the zip \(first: images_flickr_1k_test\/2\.jpg\)/)})
  })
})

describe('the zip reader (hostile archives)', () => {
  /** A zip whose member name has `from` replaced by `to` in its raw bytes (local header and central directory). */
  async function patchedZip(name: string, from: string, to: string): Promise<Buffer> {
    const zip = await zipOf([{name, data: Buffer.from('payload')}])
    return Buffer.from(zip.toString('latin1').replaceAll(from, to), 'latin1')
  }

  it('reads members on demand and refuses what is missing or larger than allowed', async () => {
    const dir = dirWith({'a.zip': await zipOf([{name: 'f/one.jpg', data: Buffer.alloc(5000, 7)}, {name: 'f/two.jpg', data: Buffer.from('two')}])})
    const zip = await openZip(join(dir, 'a.zip'), {maxMemberBytes: 4096})
    try {
      expect([...zip.names()]).toEqual(['f/one.jpg', 'f/two.jpg'])
      expect((await zip.read('f/two.jpg')).toString()).toBe('two')
      await expect(zip.read('f/three.jpg')).rejects.toThrow(/a\.zip: no member f\/three\.jpg/)
      await expect(zip.read('f/one.jpg')).rejects.toThrow(/member f\/one\.jpg inflates to 5000 bytes, more than 4096/)
    } finally {
      zip.close()
    }
  })

  it('refuses member names that climb out (..) or are absolute, encrypted members, too many members, and non-zips', async () => {
    const dir = dirWith({
      'climb.zip': await patchedZip('xx/evil.jpg', 'xx/', '../'),
      'abs.zip': await patchedZip('xetc/passwd', 'xetc', '/etc'),
      'notzip.zip': 'PK not really',
    })
    await expect(openZip(join(dir, 'climb.zip'))).rejects.toThrow(/climb\.zip: not a readable zip \(invalid relative path: \.\.\/evil\.jpg\)/)
    await expect(openZip(join(dir, 'abs.zip'))).rejects.toThrow(/abs\.zip: not a readable zip \(absolute path: \/etc\/passwd\)/)
    await expect(openZip(join(dir, 'notzip.zip'))).rejects.toThrow(/notzip\.zip: not a readable zip/)
    const many = dirWith({'many.zip': await zipOf(Array.from({length: 5}, (_, i) => ({name: `m${i}`, data: Buffer.from('x')})))})
    await expect(openZip(join(many, 'many.zip'), {maxMembers: 4})).rejects.toThrow(/5 members, more than the 4 this reader accepts/)
    // Set the "encrypted" flag (bit 0 of the general purpose flags) in the central directory record.
    const plain = await zipOf([{name: 'secret.jpg', data: Buffer.from('payload')}])
    const cd = plain.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    plain[cd + 8] = (plain[cd + 8] as number) | 1
    const enc = dirWith({'enc.zip': plain})
    const zip = await openZip(join(enc, 'enc.zip'))
    try {
      await expect(zip.read('secret.jpg')).rejects.toThrow(/member secret\.jpg is encrypted/)
    } finally {
      zip.close()
    }
  })
})
