// Writes filters/text-based/wordnet.tsv.gz, the WordNet 3.0 tables DataComp's text_based baseline
// reads through nltk (`wordnet.synsets(word)[0].offset()`), from Debian's wordnet-base files:
//   npx tsx scripts/write-text-based-tables.ts [/usr/share/wordnet]
// Each line: `L<TAB>pos<TAB>lemma<TAB>first synset offset` for every index.{noun,verb,adj,adv} lemma
// (only the first offset matters: upstream takes synsets[0]), and `X<TAB>pos<TAB>inflected<TAB>base…`
// for every {noun,verb,adj,adv}.exc line, in file order. Deterministic: gzip level 9, mtime 0.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

const dir = process.argv[2] ?? '/usr/share/wordnet'
const FILES = {n: 'noun', v: 'verb', a: 'adj', r: 'adv'} as const
const lines: string[] = []
for (const [pos, suffix] of Object.entries(FILES)) {
  for (const line of readFileSync(join(dir, `index.${suffix}`), 'latin1').split('\n')) {
    if (line.startsWith(' ') || line.trim() === '') continue
    const t = line.split(/\s+/).filter(Boolean)
    const synsets = Number(t[2])
    const pointers = Number(t[3])
    const first = t[4 + pointers + 2]
    if (!(synsets > 0) || first === undefined) throw new Error(`index.${suffix}: cannot read ${JSON.stringify(line.slice(0, 60))}`)
    lines.push(`L\t${pos}\t${t[0]}\t${Number(first)}`)
  }
}
for (const [pos, suffix] of Object.entries(FILES)) {
  for (const line of readFileSync(join(dir, `${suffix}.exc`), 'latin1').split('\n')) {
    const t = line.split(/\s+/).filter(Boolean)
    if (t.length > 0) lines.push(`X\t${pos}\t${t.join('\t')}`)
  }
}
const out = join(import.meta.dirname, '../filters/text-based/wordnet.tsv.gz')
writeFileSync(out, gzipSync(Buffer.from(`${lines.join('\n')}\n`, 'latin1'), {level: 9}))
console.log(`${out}: ${lines.length} lines`)
