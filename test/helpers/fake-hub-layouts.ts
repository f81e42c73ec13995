import yazl from 'yazl'

import type {RetrievalHubFiles, WinogavilHubFiles} from '../../src/eval/datacomp/suite.js'
import type {GeneratedFile} from './fake-hub-datasets.js'

/**
 * The real file layouts of the hub repos `bench eval fetch` downloads, for the fake hub
 * (fake-hub-datasets.ts) to serve:
 * - the nlphuji sets (Flickr 1k, MSCOCO 5k, WinoGAViL): the repo's loading script and README (which
 *   dcbench does not fetch), a CSV written as pandas.DataFrame.to_csv writes it (list columns as
 *   JSON, fields quoted only where needed, quotes doubled) and a zip with the images in one folder —
 *   file and column names from evaluators/datacomp/suite.yaml `hub_files`;
 * - djghosh's webdataset repos: classnames.txt, zeroshot_classification_templates.txt,
 *   test/nshards.txt and test/<i>.tar, here generated with the task's full sample count but empty
 *   image members (what `bench eval fetch` checks is the count; eval tests use real images).
 */

/** One CSV field as pandas' to_csv writes it (csv.QUOTE_MINIMAL). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** A CSV table: header line, then one line per row, `\n` line ends (pandas' default on Linux). */
export function csvText(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n'
}

/** A zip of the given members (deflated), as the nlphuji repos ship their images. */
export function zipOf(members: readonly {name: string; data: Buffer}[]): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  for (const member of members) zip.addBuffer(member.data, member.name, {mtime: new Date(Date.UTC(2023, 0, 1))})
  zip.end()
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
}

/** What the nlphuji repos hold besides the files dcbench reads (left out by `bench eval fetch`). */
function scriptFiles(name: string): Record<string, Buffer> {
  return {
    'README.md': Buffer.from(`---\nlicense: cc-by-4.0\n---\n# ${name}\n`),
    [`${name}.py`]: Buffer.from('import datasets\n# the loading script (needs Python and the datasets library; dcbench reads the files below instead)\n'),
    '.gitattributes': Buffer.from('*.zip filter=lfs diff=lfs merge=lfs -text\n'),
  }
}

/** A retrieval repo (Flickr, MSCOCO): per example its image file name, captions and image bytes. */
export async function retrievalRepoFiles(name: string, spec: RetrievalHubFiles, examples: readonly {filename: string; captions: string[]; image: Buffer}[]): Promise<Record<string, Buffer>> {
  // The real tables carry more columns (sentids, split, …); the loading script passes them through.
  const table = csvText(['sentids', spec.image_column, spec.captions_column, 'split'], examples.map((e, i) => [JSON.stringify(e.captions.map((_, j) => String(i * 5 + j))), e.filename, JSON.stringify(e.captions), 'test']))
  const zip = await zipOf(examples.map((e) => ({name: `${spec.images_folder}/${e.filename}`, data: e.image})))
  return {...scriptFiles(name), [spec.table]: Buffer.from(table), [spec.images_zip]: zip}
}

/** The WinoGAViL repo: items (cue, candidates, associations) and each candidate's image bytes. */
export async function winogavilRepoFiles(spec: WinogavilHubFiles, items: readonly {cue: string; candidates: string[]; associations: string[]}[], imageOf: (candidate: string) => Buffer): Promise<Record<string, Buffer>> {
  // winogavil_dataset.csv's columns, in its order (WinoGAViL/WinoGAViL-experiments assets).
  const header = [spec.candidates_column, spec.cue_column, spec.associations_column, 'score_fool_the_ai', 'num_associations', 'num_candidates', 'solvers_jaccard_mean', 'solvers_jaccard_std', 'ID']
  const table = csvText(header, items.map((item, i) => [JSON.stringify(item.candidates), item.cue, JSON.stringify(item.associations), '0', String(item.associations.length), String(item.candidates.length), '1.0', '0.0', String(i)]))
  const names = [...new Set(items.flatMap((item) => item.candidates))]
  const zip = await zipOf(names.map((c) => ({name: `${spec.images_folder}/${spec.candidate_image.replace('{}', c)}`, data: imageOf(c)})))
  return {...scriptFiles('winogavil'), [spec.table]: Buffer.from(table), [spec.images_zip]: zip}
}

/** A tar of `count` samples `<key>.jpg`, each an empty regular file (512-byte ustar headers). */
function emptySampleTar(first: number, count: number): Buffer {
  const tar = Buffer.alloc(count * 512 + 1024)
  for (let i = 0; i < count; i++) {
    const header = tar.subarray(i * 512, (i + 1) * 512)
    header.write(`s${String(first + i).padStart(9, '0')}.jpg`, 0, 'utf8')
    header.write('0000644\0', 100)
    header.write('0000000\0', 108)
    header.write('0000000\0', 116)
    header.write('00000000000\0', 124)
    header.write('14364000000\0', 136)
    header.write('        ', 148)
    header.write('0', 156)
    header.write('ustar\0' + '00', 257, 'binary')
    let sum = 0
    for (const byte of header) sum += byte
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  }
  return tar
}

/** A djghosh webdataset repo with `samples` samples in shards of `perShard` (generated on request). */
export function sizedWdsRepoFiles(samples: number, perShard = 20_000): Record<string, Buffer | GeneratedFile> {
  const shards = Math.max(1, Math.ceil(samples / perShard))
  const files: Record<string, Buffer | GeneratedFile> = {
    'classnames.txt': Buffer.from('a\nb\n'),
    'zeroshot_classification_templates.txt': Buffer.from('a photo of a {c}.\n'),
    'test/nshards.txt': Buffer.from(`${shards}\n`),
  }
  for (let s = 0; s < shards; s++) {
    const count = Math.min(perShard, samples - s * perShard)
    files[`test/${s}.tar`] = {size: count * 512 + 1024, bytes: () => emptySampleTar(s * perShard, count)}
  }
  return files
}

/** Deterministic words for synthetic captions, cues and candidate names. */
const WORDS = ['red', 'blue', 'green', 'small', 'large', 'circle', 'square', 'left', 'right', 'top', 'bottom', 'bright', 'dark', 'moon', 'tree', 'river', 'stone', 'bird', 'lamp', 'rope']

/** `n` retrieval examples: image `<id>.jpg`, 2–6 captions each (the real sets have 5; some COCO images have more). */
export function syntheticRetrievalExamples(n: number, image: (i: number) => Buffer): {filename: string; captions: string[]; image: Buffer}[] {
  return Array.from({length: n}, (_, i) => ({
    filename: `${1_000_000 + i * 7}.jpg`,
    captions: Array.from({length: 2 + (i % 5)}, (_, j) => `a ${WORDS[(i + j) % WORDS.length]}, "${WORDS[(i * 7 + j * 3) % WORDS.length]}" shape number ${i % 17}`),
    image: image(i),
  }))
}

/** `n` WinoGAViL items over `names` candidates: 5, 6, 10 or 12 candidates, 2–4 associations, as in the real set. */
export function syntheticWinogavilItems(n: number, names: readonly string[]): {cue: string; candidates: string[]; associations: string[]}[] {
  const sizes = [5, 6, 10, 12]
  return Array.from({length: n}, (_, i) => {
    const size = sizes[i % 4] as number
    const start = (i * 13) % names.length
    const candidates = Array.from({length: size}, (_, j) => names[(start + j * 3) % names.length] as string)
    const k = 2 + (i % 3)
    return {cue: `${i % 3 === 0 ? 'Orange' : WORDS[i % WORDS.length]} ${WORDS[(i * 5) % WORDS.length]}`, candidates, associations: candidates.filter((_, j) => (j * 7 + i) % size < k).slice(0, k)}
  })
}

/** Candidate names such as `moon`, `bird 3` (WinoGAViL's are single words; spaces exercise the file names). */
export function candidateNames(n: number): string[] {
  return Array.from({length: n}, (_, i) => (i < WORDS.length ? (WORDS[i] as string) : `${WORDS[i % WORDS.length]} ${Math.floor(i / WORDS.length)}`))
}
