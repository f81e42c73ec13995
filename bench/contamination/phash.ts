// How the image check's near-duplicate test behaves on natural images: which edits it finds at each
// Hamming distance, and how often two different images match. This is the measurement behind the
// default --hamming of `bench subset contamination` (bench/README.md).
//
//   npx tsx bench/contamination/phash.ts [--images DIR] [--every 3]
//
// --images: a folder of distinct natural images (default: the set natural-images.sh builds from
// Debian packages, /tmp/dcbench-natural). For every image, as the eval side does: the pixel
// sha256, whether it is detailed, and the hashes of its 81 crops. Then, for every --every-th
// detailed image, its edits as a training set would hold them (JPEG re-encoded at quality 50 and
// 75, resized 0.5×, 0.75×, 1.5×, 2×, cropped by up to 10 % on each side, and crop + resize +
// JPEG 50 together), each hashed as the training side does (whole image, no crops): the smallest
// distance to the original's crops must be ≤ the threshold for the edit to be found. False
// positives: every ordered pair of different detailed images (the one as a training image, the
// other as an eval image with its crops).
import {readdirSync, readFileSync} from 'node:fs'
import {cpus, loadavg} from 'node:os'
import {join} from 'node:path'

import sharp from 'sharp'

import {cropHashes, detailFraction, fingerprint, greyImage, hammingDistance, isDetailed, type Hash64} from '../../src/contamination/image-hash.js'
import {DEFAULT_CONTAMINATION_SETTINGS} from '../../src/contamination/check.js'
import {decodeImage} from '../../src/world/index.js'

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback
}

const dir = arg('images', '/tmp/dcbench-natural')
const every = Number(arg('every', '3'))
const files = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort()
const random = (() => {
  let s = 12345
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32
})()

type Edit = (bytes: Buffer, width: number, height: number) => Promise<Buffer>
const round = Math.round
const crop = (b: Buffer, w: number, h: number, [l, t, r, bo]: number[]): ReturnType<typeof sharp> =>
  sharp(b).extract({left: round(w * l!), top: round(h * t!), width: w - round(w * l!) - round(w * r!), height: h - round(h * t!) - round(h * bo!)})
const sides = (): number[] => [random(), random(), random(), random()].map((x) => x * 0.1)
const edits: Record<string, Edit> = {
  'jpeg q50': (b) => sharp(b).jpeg({quality: 50}).toBuffer(),
  'jpeg q75': (b) => sharp(b).jpeg({quality: 75}).toBuffer(),
  'resize 0.5x': (b, w, h) => sharp(b).resize(round(w / 2), round(h / 2)).png().toBuffer(),
  'resize 0.75x': (b, w, h) => sharp(b).resize(round(w * 0.75), round(h * 0.75)).png().toBuffer(),
  'resize 1.5x': (b, w, h) => sharp(b).resize(round(w * 1.5), round(h * 1.5)).png().toBuffer(),
  'resize 2x': (b, w, h) => sharp(b).resize(w * 2, h * 2).png().toBuffer(),
  'crop 10% each side': (b, w, h) => crop(b, w, h, [0.1, 0.1, 0.1, 0.1]).png().toBuffer(),
  'crop 10% left': (b, w, h) => crop(b, w, h, [0.1, 0, 0, 0]).png().toBuffer(),
  'crop random ≤10%': (b, w, h) => crop(b, w, h, sides()).png().toBuffer(),
  'crop+resize+jpeg50': async (b, w, h) => sharp(await crop(b, w, h, sides()).png().toBuffer()).resize(round(w * (0.5 + random() * 1.5))).jpeg({quality: 50}).toBuffer(),
}

const started = Date.now()
const eval_: {file: string; detailed: boolean; detail: number; hash: Hash64; crops: Hash64[]}[] = []
const editDistances: Record<string, number[]> = Object.fromEntries(Object.keys(edits).map((k) => [k, []]))
let edited = 0
for (const [i, file] of files.entries()) {
  const bytes = readFileSync(join(dir, file))
  const image = await decodeImage(bytes)
  const grey = greyImage(image)
  const detailed = isDetailed(grey)
  const crops = detailed ? cropHashes(grey) : []
  eval_.push({file, detailed, detail: detailFraction(grey), hash: fingerprint(image).hash, crops})
  if (!detailed || edited++ % every !== 0) continue
  for (const [name, edit] of Object.entries(edits)) {
    const training = fingerprint(await decodeImage(await edit(bytes, image.width, image.height)))
    editDistances[name]!.push(Math.min(...crops.map((c) => hammingDistance(c, training.hash))))
  }
  if (i % 100 === 0) process.stderr.write(`${i}/${files.length}\n`)
}

const detailed = eval_.filter((e) => e.detailed)
const pairHist = new Array<number>(65).fill(0)
const imageMin = eval_.map(() => 64)
for (const [a, query] of eval_.entries()) {
  for (const [b, target] of eval_.entries()) {
    if (a === b || !target.detailed) continue
    let best = 64
    for (const c of target.crops) best = Math.min(best, hammingDistance(query.hash, c))
    pairHist[best]!++
    imageMin[a] = Math.min(imageMin[a]!, best)
  }
}
const pairs = eval_.length * detailed.length - detailed.length
const cumulative = (h: number): number => pairHist.slice(0, h + 1).reduce((x, y) => x + y, 0)

console.log(`images: ${files.length} in ${dir}; detailed (near duplicates looked for): ${detailed.length}; edited: ${editDistances['jpeg q50']!.length} (every ${every}th detailed image)`)
console.log(`machine: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; ${((Date.now() - started) / 1000).toFixed(0)} s`)
console.log('\nedits found (smallest distance to the original\'s crops ≤ h), by h:')
const hs = [4, 6, 8, 10, 12, 14]
console.log(`| edit | max distance | ${hs.map((h) => `h=${h}`).join(' | ')} |`)
console.log(`|---|---:|${hs.map(() => '---:').join('|')}|`)
for (const [name, ds] of Object.entries(editDistances)) {
  const found = (h: number): string => `${((100 * ds.filter((d) => d <= h).length) / ds.length).toFixed(1)}%`
  console.log(`| ${name} | ${Math.max(...ds)} | ${hs.map(found).join(' | ')} |`)
}
console.log('\nfalse positives: every image as a training image against every other detailed image as an eval image (with its crops), by h:')
console.log('| h | pairs matched | pair rate | images matching any other |')
console.log('|---:|---:|---:|---:|')
for (const h of hs) {
  const images = imageMin.filter((d) => d <= h).length
  console.log(`| ${h} | ${cumulative(h)} of ${pairs} | ${((100 * cumulative(h)) / pairs).toFixed(3)}% | ${images} (${((100 * images) / eval_.length).toFixed(1)}%) |`)
}
console.log(`\ndefault --hamming: ${DEFAULT_CONTAMINATION_SETTINGS.hamming}`)
