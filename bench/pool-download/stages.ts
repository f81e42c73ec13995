// CPU per stage of the image path for one photo-like 1200×900 JPEG with one face box, dcbench
// (src/pool/download/) against the OpenCV calls img2dataset makes (stages.py, python3-opencv, one
// thread): where the per-image time of bench/pool-download/run.ts goes.
//
//   npx tsx bench/pool-download/stages.ts [--repeats 40]
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import sharp from 'sharp'

import {longestMaxSize, resizeArea} from '../../src/pool/download/area-resize.js'
import {blurFaces, type FaceBox} from '../../src/pool/download/face-blur.js'
import {encodeJpeg, transformPixels} from '../../src/pool/download/image-transform.js'
import {syntheticPixels} from '../../test/helpers/synthetic-images.js'

const i = process.argv.indexOf('--repeats')
const repeats = i >= 0 ? Number(process.argv[i + 1]) : 40
const [w, h] = [1200, 900]
const face: FaceBox[] = [[0.2, 0.1, 0.45, 0.5]]
const jpeg = await sharp(syntheticPixels(1, w, h), {raw: {width: w, height: h, channels: 3}}).jpeg({quality: 90}).toBuffer()

/** Mean CPU milliseconds (user + system, all threads) of `f`, after a few warm-up calls. */
async function cpuMs(f: () => unknown): Promise<number> {
  for (let r = 0; r < 3; r++) await f()
  const start = process.cpuUsage()
  for (let r = 0; r < repeats; r++) await f()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000 / repeats
}

const decoded = await transformPixels(jpeg, 1 << 30, null)
if (!decoded.ok) throw new Error(decoded.error)
const size = longestMaxSize(w, h, 512)
const small = resizeArea(decoded.img, size.width, size.height)
const ours = {
  decode: await cpuMs(() => transformPixels(jpeg, 1 << 30, null)),
  resize: await cpuMs(() => resizeArea(decoded.img, size.width, size.height)),
  blur: await cpuMs(() => blurFaces(small, face)),
  encode: await cpuMs(() => encodeJpeg(small)),
  all: await cpuMs(async () => {
    const t = await transformPixels(jpeg, 512, face)
    if (t.ok) await encodeJpeg(t.img)
  }),
}
const dir = mkdtempSync(join(tmpdir(), 'dcbench-stages-'))
let theirs: Record<string, number>
try {
  writeFileSync(join(dir, 'a.jpg'), jpeg)
  theirs = JSON.parse(execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'stages.py'), join(dir, 'a.jpg'), JSON.stringify(face[0]), String(repeats)], {encoding: 'utf8'})) as Record<string, number>
} finally {
  rmSync(dir, {recursive: true, force: true})
}
console.log(`CPU ms per ${w}×${h} JPEG (one face box), mean of ${repeats}; load ${loadavg()[0]?.toFixed(1)}`)
console.log('| stage | dcbench | OpenCV 4.6 |')
console.log('|---|---:|---:|')
for (const [stage, ms] of Object.entries(ours)) console.log(`| ${stage} | ${ms.toFixed(2)} | ${(theirs[stage] as number).toFixed(2)} |`)
