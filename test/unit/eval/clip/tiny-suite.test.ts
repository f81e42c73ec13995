import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {readEvalDataset, readWdsSamples, sampleClass, sampleImage} from '../../../../src/eval/clip/webdataset.js'
import {loadSuite, scoredTasks, type Suite} from '../../../../src/eval/datacomp/suite.js'
import {ensureSyntheticData, isGenerated, tinyClassification} from '../../../../src/eval/datacomp/tiny-suite.js'
import {iterateDataCompSamples} from '../../../../src/benchmarks/datacomp/pool-shards.js'
import {synthesizeDataComp} from '../../../../src/benchmarks/datacomp/synth-pool.js'
import {getRecipe} from '../../../../src/tracks/index.js'
import {allScenes, COLOUR_RGB, COLOURS, decodeImage, parseCaption, type Colour} from '../../../../src/world/index.js'
import {useTempDir} from '../../../helpers/tmp.js'

/** The suite with every task cut to `size` samples (cheap to generate; same generator). */
function smallSuite(size: number): Suite {
  const suite = loadSuite('tiny-clip')
  return {...suite, tasks: suite.tasks.map((t) => ({...t, size: Math.min(size, t.size)}))}
}

/** Which colour an image shows: the colour most of its pixels are close to (the background is grey, tinted). */
function colourOf(rgb: Uint8Array): Colour {
  const counts = COLOURS.map((c) => {
    const [r, g, b] = COLOUR_RGB[c]
    let n = 0
    for (let i = 0; i < rgb.length; i += 3) if (Math.hypot((rgb[i] as number) - r, (rgb[i + 1] as number) - g, (rgb[i + 2] as number) - b) < 40) n++
    return n
  })
  return COLOURS[counts.indexOf(Math.max(...counts))] as Colour
}

function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const entry of readdirSync(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) out.set(join(entry.parentPath, entry.name).slice(dir.length), createHash('sha256').update(readFileSync(join(entry.parentPath, entry.name))).digest('hex'))
  }
  return out
}

describe('the tiny CLIP suite (evaluators/tiny-clip)', () => {
  const tmp = useTempDir('dcbench-tiny-suite-')

  it('is the suite of the tiny scale, with chance-level baselines and an Average over all tasks', () => {
    const suite = loadSuite('tiny-clip')
    expect(getRecipe({benchmark: 'datacomp', scale: 'tiny'}).recipe).toMatchObject({eval_suite: 'tiny-clip'})
    expect(suite.synthetic).toBeDefined()
    expect(scoredTasks(suite)).toHaveLength(suite.tasks.length)
    for (const task of suite.tasks) {
      const target = task.synthetic?.target
      if (target === 'captions') {
        expect(task.random_score).toBeCloseTo(1 / task.size, 6)
      } else {
        expect(task.num_classes).toBe(tinyClassification(target as 'shape').classnames.length)
        expect(task.random_score).toBeCloseTo(1 / (task.num_classes as number), 6)
      }
    }
  })

  it('is generated deterministically: same bytes twice, nothing regenerated on the second call', async () => {
    const suite = smallSuite(40)
    const [a, b] = [tmp(), tmp()]
    const first = await ensureSyntheticData({suite, root: a})
    expect(first.generated).toEqual(suite.tasks.map((t) => t.key))
    await ensureSyntheticData({suite, root: b})
    expect(filesOf(a)).toEqual(filesOf(b))
    expect((await ensureSyntheticData({suite, root: a})).generated).toEqual([])
    // A folder made by another version (its marker differs) is regenerated.
    const other = {...suite, tasks: suite.tasks.map((t) => ({...t, size: 30}))}
    expect(isGenerated(first.dataRoot, other, other.tasks[0]!)).toBe(false)
  })

  it('changes its bytes only with the suite version, the cache folder key', async () => {
    // Generated folders are reused while their marker (suite version, seed, task, size) matches; the
    // generator, the image world and sharp's JPEG encoder are not in it. If this fails, what they write
    // changed: bump `version` in evaluators/tiny-clip/suite.yaml so that folders generated before are
    // not reused, then update the digest here.
    const suite = smallSuite(40)
    const root = tmp()
    await ensureSyntheticData({suite, root})
    const lines = [...filesOf(root)].map(([file, sha]) => `${sha}  ${file}\n`).sort()
    expect({version: suite.version, digest: createHash('sha256').update(lines.join('')).digest('hex')}).toEqual({version: '1.0.0', digest: '4e68edc0b3543fd019875ff694384803a1195c575c154e9772dc0ad65879f565'})
  })

  it('writes the real eval layout; labels and captions describe the images', async () => {
    const suite = smallSuite(80)
    const {dataRoot} = await ensureSyntheticData({suite, root: tmp()})
    for (const task of suite.tasks) {
      const layout = readEvalDataset(join(dataRoot, `wds_tiny-${task.key.slice(5)}_test`))
      const samples = []
      for await (const s of readWdsSamples(layout.shards)) samples.push(s)
      expect(samples, task.key).toHaveLength(task.size)
      if (task.synthetic?.target === 'captions') {
        expect(layout.type).toBe('retrieval')
        const scenes = new Set<string>()
        for (const s of samples) {
          const captions = s.members.get('txt')!.toString('utf8').split('\n')
          expect(captions).toHaveLength(3)
          const parsed = captions.map(parseCaption)
          expect(new Set(parsed.map((p) => JSON.stringify(p))).size).toBe(1)
          expect(colourOf((await decodeImage(sampleImage(s))).data)).toBe(parsed[0]?.colour)
          scenes.add(JSON.stringify(parsed[0]))
        }
        expect(scenes.size, 'one image per scene').toBe(task.size)
        continue
      }
      expect(layout.classnames).toHaveLength(task.num_classes as number)
      expect(layout.templates.every((t) => t.includes('{c}'))).toBe(true)
      const labels = samples.map(sampleClass)
      // Balanced: every class count within one of the others.
      const counts = layout.classnames.map((_, c) => labels.filter((l) => l === c).length)
      expect(Math.max(...counts) - Math.min(...counts), task.key).toBeLessThanOrEqual(1)
      if (task.synthetic?.target === 'colour' || task.synthetic?.target === 'scene') {
        const colourOfLabel = (l: number): Colour => (task.synthetic?.target === 'colour' ? (COLOURS[l] as Colour) : (allScenes()[l]?.colour as Colour))
        let agree = 0
        for (const [i, s] of samples.entries()) if (colourOf((await decodeImage(sampleImage(s))).data) === colourOfLabel(labels[i] as number)) agree++
        expect(agree / samples.length, task.key).toBeGreaterThanOrEqual(0.98)
      }
    }
  })

  it('holds its images out of tiny training pools (own random stream: no image in common)', async () => {
    const pool = tmp()
    await synthesizeDataComp({dir: pool, count: 600, seed: loadSuite('tiny-clip').synthetic?.seed as number, scale: 'tiny'})
    const poolImages = new Set<string>()
    for await (const s of iterateDataCompSamples(pool)) poolImages.add(createHash('sha256').update(s.members.jpg!).digest('hex'))
    expect(poolImages.size).toBeGreaterThan(500)
    const suite = smallSuite(200)
    const {dataRoot} = await ensureSyntheticData({suite, root: tmp()})
    let n = 0
    for (const task of suite.tasks) {
      const layout = readEvalDataset(join(dataRoot, `wds_tiny-${task.key.slice(5)}_test`))
      for await (const s of readWdsSamples(layout.shards)) {
        expect(poolImages.has(createHash('sha256').update(sampleImage(s)).digest('hex'))).toBe(false)
        n++
      }
    }
    expect(n).toBeGreaterThan(800)
  })
})
