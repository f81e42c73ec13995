import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

import {packageRoot} from '../../util/paths.js'

/**
 * The word test of DataComp's text_based baseline (`does_contain_text_entity`): some whitespace
 * token whose first WordNet synset — nltk's `wordnet.synsets(word)[0]` — has an offset in the
 * ImageNet-21k synset list. nltk's lookup is reproduced on tables dcbench ships
 * (filters/text-based/, SOURCES.md): WordNet 3.0's lemma → first synset offset per part of speech and
 * its exception lists, and the ImageNet-21k wnids (the file DataComp downloads, same sha256).
 *
 * nltk 3.8 (Debian bookworm's python3-nltk, the version the test runs): `synsets` lowercases the word,
 * then for each part of speech in the order noun, verb, adjective, adverb takes `_morphy`'s forms and
 * their synsets in index order; the first synset is the first offset of the first form of the first
 * part of speech that has one.
 */

type Pos = 'n' | 'v' | 'a' | 'r'
const POS_ORDER: readonly Pos[] = ['n', 'v', 'a', 'r']

/** nltk's `MORPHOLOGICAL_SUBSTITUTIONS` (WordNet's morphy suffix rules), in nltk's order. */
const SUBSTITUTIONS: Readonly<Record<Pos, readonly (readonly [string, string])[]>> = {
  n: [['s', ''], ['ses', 's'], ['ves', 'f'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  v: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  a: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
  r: [],
}

export interface TextBasedTables {
  /** Per part of speech: lemma → its first synset offset. */
  lemmas: Record<Pos, Map<string, number>>
  /** Per part of speech: inflected form → base forms (WordNet's `*.exc`). */
  exceptions: Record<Pos, Map<string, string[]>>
  /** ImageNet-21k synsets as WordNet noun offsets (`n01440764` → 1440764). */
  entities: Set<number>
}

let cached: TextBasedTables | undefined

/** Loads the shipped tables once (about 160,000 lemmas, 0.2 s). */
export function loadTextBasedTables(): TextBasedTables {
  if (cached) return cached
  const dir = join(packageRoot(), 'filters/text-based')
  const lemmas = {n: new Map(), v: new Map(), a: new Map(), r: new Map()} as Record<Pos, Map<string, number>>
  const exceptions = {n: new Map(), v: new Map(), a: new Map(), r: new Map()} as Record<Pos, Map<string, string[]>>
  for (const line of gunzipSync(readFileSync(join(dir, 'wordnet.tsv.gz'))).toString('latin1').split('\n')) {
    const [kind, pos, word, ...rest] = line.split('\t')
    if (kind === 'L') lemmas[pos as Pos].set(word as string, Number(rest[0]))
    else if (kind === 'X') exceptions[pos as Pos].set(word as string, rest)
  }
  const entities = new Set<number>()
  for (const line of readFileSync(join(dir, 'imagenet21k_wordnet_ids.txt'), 'latin1').split('\n')) {
    const id = line.trim()
    if (id) entities.add(Number(id.slice(1)))
  }
  cached = {lemmas, exceptions, entities}
  return cached
}

/** nltk's `_morphy(form, pos)`: the base forms of `form` that WordNet lists for `pos`, in nltk's order. */
export function morphy(tables: TextBasedTables, form: string, pos: Pos): string[] {
  const known = tables.lemmas[pos]
  const filter = (forms: string[]): string[] => [...new Set(forms.filter((f) => known.has(f)))]
  const rules = SUBSTITUTIONS[pos]
  // deduplicated at each round: the first occurrence of each form decides the order, as in nltk
  const apply = (forms: string[]): string[] => [...new Set(forms.flatMap((f) => rules.filter(([old]) => f.endsWith(old)).map(([old, repl]) => f.slice(0, f.length - old.length) + repl)))]
  const exception = tables.exceptions[pos].get(form)
  if (exception) return filter([form, ...exception])
  let forms = apply([form])
  const first = filter([form, ...forms])
  if (first.length > 0) return first
  while (forms.length > 0) {
    forms = apply(forms)
    const found = filter(forms)
    if (found.length > 0) return found
  }
  return []
}

/** `wordnet.synsets(word)[0].offset()`, or undefined when WordNet has no synset for the word. */
export function firstSynsetOffset(tables: TextBasedTables, word: string): number | undefined {
  const lemma = word.toLowerCase()
  for (const pos of POS_ORDER) {
    const forms = morphy(tables, lemma, pos)
    if (forms.length > 0) return tables.lemmas[pos].get(forms[0] as string)
  }
  return undefined
}

/** `does_contain_text_entity(text, entity_set)`: some word's first synset is an ImageNet-21k synset. */
export function containsTextEntity(tables: TextBasedTables, words: readonly string[]): boolean {
  for (const word of words) {
    const offset = firstSynsetOffset(tables, word)
    if (offset !== undefined && tables.entities.has(offset)) return true
  }
  return false
}
