import {createHash} from 'node:crypto'
import {mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {readIclFile} from '../../../../src/eval/lm/icl-data.js'
import {loadLmSuite} from '../../../../src/eval/lm/suite.js'
import {ensureTinySuiteData, TINY_SUITE_VERSION, tinyTaskFiles} from '../../../../src/eval/lm/tiny-suite.js'
import {buildTextWorld} from '../../../../src/world/index.js'

const suite = loadLmSuite('dclm-tiny')

describe('the tiny DCLM suite', () => {
  it('has one task of each ICL type, CORE over all of them, and its datapoints match the generated files', async () => {
    expect(suite.tasks.map((t) => t.type).sort()).toEqual(['generation_task_with_answers', 'language_modeling', 'multiple_choice', 'schema'])
    expect(suite.core).toEqual(suite.tasks.map((t) => t.label))
    expect(suite.synthetic).toEqual({generator: 'tiny-world-icl', worldSeed: 0})
    const dir = await ensureTinySuiteData(mkdtempSync(join(tmpdir(), 'dcbench-tiny-')), 0)
    for (const task of suite.tasks) expect(readIclFile(join(dir, task.dataset), task.type).examples, task.label).toHaveLength(task.datapoints)
  })

  it('is deterministic per world seed and differs across seeds', () => {
    expect(tinyTaskFiles(0)).toEqual(tinyTaskFiles(0))
    expect(tinyTaskFiles(1)['tiny/questions.jsonl']).not.toEqual(tinyTaskFiles(0)['tiny/questions.jsonl'])
  })

  it('asks for true facts of the world: gold answers hold, distractors and schema foils do not', async () => {
    const world = buildTextWorld(0)
    const holds = (subject: string, object: string): boolean => world.facts.some((f) => f.subject === subject && f.object === object)
    const files = tinyTaskFiles(0)
    const choice = files['tiny/fact_choice.jsonl']!.map((l) => JSON.parse(l) as {query: string; choices: string[]; gold: number})
    for (const q of choice) {
      const subject = q.query.split(/[ ']/)[0]!
      const object = (c: string): string => c.replace(/^(a|an) /, '')
      expect(holds(subject, object(q.choices[q.gold]!)), q.query).toBe(true)
      expect(q.choices.filter((c, i) => i !== q.gold && holds(subject, object(c)))).toEqual([])
    }
    const schema = files['tiny/who_schema.jsonl']!.map((l) => JSON.parse(l) as {context_options: string[]; continuation: string; gold: number})
    for (const s of schema) {
      const statement = (subject: string): string => `${subject} ${s.continuation}`
      const object = world.facts.find((f) => statement(f.subject).includes(` ${f.object}.`) && f.subject === s.context_options[s.gold])
      expect(object, statement(s.context_options[s.gold]!)).toBeDefined()
      expect(world.facts.some((f) => f.subject === s.context_options[1 - s.gold] && f.object === object!.object && f.relation === object!.relation)).toBe(false)
    }
    const qa = files['tiny/questions.jsonl']!.map((l) => JSON.parse(l) as {context: string; answer: string})
    for (const q of qa) expect(world.facts.some((f) => q.context.includes(f.subject) && f.object === q.answer)).toBe(true)
  })

  it('changes its files only with TINY_SUITE_VERSION, the cache folder key', async () => {
    // The folder is named by (version, world seed) alone; the generator and the text world are not in
    // that key. If this fails, what they write changed: bump TINY_SUITE_VERSION so that folders cached
    // under the old version are not reused, then update the digest here.
    const dir = await ensureTinySuiteData(mkdtempSync(join(tmpdir(), 'dcbench-tiny-')), 0)
    const lines = readdirSync(dir, {recursive: true, withFileTypes: true}).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
      .map((file) => `${createHash('sha256').update(readFileSync(file)).digest('hex')}  ${file.slice(dir.length + 1)}\n`).sort()
    expect({version: TINY_SUITE_VERSION, digest: createHash('sha256').update(lines.join('')).digest('hex')}).toEqual({version: 2, digest: 'a6607ac0f60ab5a2fd9622ed8b1ac26585cc707674a91b62fa5637ea76cc8d53'})
  })

  it('reuses the generated cache folder', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'dcbench-tiny-'))
    const a = await ensureTinySuiteData(cache, 0)
    const before = readFileSync(join(a, 'tiny-suite.json'), 'utf8')
    expect(await ensureTinySuiteData(cache, 0)).toBe(a)
    expect(readFileSync(join(a, 'tiny-suite.json'), 'utf8')).toBe(before)
  })
})
