import {getBenchmark, isBenchmark} from '../benchmarks/registry.js'
import {listRecipes} from '../tracks/registry.js'
import type {BoardRecord} from './board.js'
import {entryOrigin} from './entry-schema.js'
import type {SuiteResolver} from './suites.js'

/** One row of a ranked board. */
export interface RankedRow {
  /** 1-based; equal headline scores share a rank (1, 2, 2, 4). */
  rank: number
  entry_id: string
  method: string
  method_link?: string
  description: string
  submitter: string
  status: BoardRecord['status']
  /** What the scores are of: a dcbench run, or a checkpoint trained elsewhere and exported (`bench export`). */
  origin: 'run' | 'external'
  subset_size: number
  /** Aggregate columns of the board (headline included). */
  aggregates: Record<string, number>
  tasks: Record<string, number>
  created_at: string
  /** An organizer's signed contamination check of the entry's data, when one is attached. */
  contamination?: RankedContamination
}

/** What a board shows of a contamination record (contamination-record.ts). */
export interface RankedContamination {
  clean: boolean
  suite: string
  records_checked: number
  records_flagged: number
  found: {task: string; kind: string; found: number; total: number}[]
  checked_at: string
  key_id: string
}

/** One leaderboard: a benchmark, scale and track, ranked by the suite's headline aggregate. */
export interface RankedBoard {
  /** `benchmark-scale-track`, used for file names and anchors. */
  id: string
  benchmark: string
  /** The benchmark's display name (`DataComp`). */
  title: string
  /** What the subset size counts (`samples`, `documents`), and the column that shows it. */
  size_noun: string
  size_column: string
  scale: string
  track: string
  suite: string
  headline: string
  columns: {key: string; label: string}[]
  tasks: {key: string; name: string}[]
  rows: RankedRow[]
}

/**
 * Groups records into boards per benchmark/scale/track and ranks each by its official headline
 * (DataComp: the 38-task Average; DCLM: CORE), best first; ties keep the entry the organizers added first.
 */
export function rankBoards(records: readonly BoardRecord[], suites: SuiteResolver): RankedBoard[] {
  const groups = new Map<string, BoardRecord[]>()
  for (const record of records) {
    const {benchmark, scale, track} = record.entry
    const id = `${benchmark}-${scale}-${track}`
    let group = groups.get(id)
    if (!group) groups.set(id, (group = []))
    group.push(record)
  }
  const boards: RankedBoard[] = []
  for (const [id, group] of groups) {
    const first = group[0] as BoardRecord
    const suiteName = first.entry.eval.suite
    const suite = suites(suiteName)
    const columns = suite?.columns ?? Object.keys(first.entry.eval.aggregates).map((key) => ({key, label: key}))
    const headline = suite?.headline ?? (columns[0]?.key as string)
    const tasks = suite?.tasks.map(({key, name}) => ({key, name})) ?? Object.keys(first.entry.eval.tasks).map((key) => ({key, name: key}))
    const score = (r: BoardRecord): number => r.entry.eval.aggregates[headline] ?? Number.NEGATIVE_INFINITY
    // Ties break by when the organizer added the entry: the entry's own created_at is the participant's to set.
    const sorted = [...group].sort((a, b) => score(b) - score(a) || a.added_at.localeCompare(b.added_at))
    const rows: RankedRow[] = []
    sorted.forEach((record, i) => {
      const previous = rows[i - 1]
      const rank = previous && score(sorted[i - 1] as BoardRecord) === score(record) ? previous.rank : i + 1
      const {entry} = record
      rows.push({
        rank,
        entry_id: record.entry_id,
        method: entry.method.name,
        ...(entry.method.link ? {method_link: entry.method.link} : {}),
        description: entry.method.description,
        // The signing key's name in the organizers' keyring, not the free-text submitter of the entry.
        submitter: record.signer.name,
        status: record.status,
        origin: entryOrigin(entry).kind,
        subset_size: entry.data.subset_size,
        aggregates: Object.fromEntries(columns.map((c) => [c.key, entry.eval.aggregates[c.key] as number])),
        tasks: entry.eval.tasks,
        created_at: entry.created_at,
        ...(record.contamination ? {contamination: rankedContamination(record.contamination)} : {}),
      })
    })
    const benchmark = isBenchmark(first.entry.benchmark) ? getBenchmark(first.entry.benchmark) : undefined
    boards.push({
      id, benchmark: first.entry.benchmark, title: benchmark?.title ?? first.entry.benchmark, size_noun: benchmark?.nouns.records ?? 'records', size_column: benchmark?.leaderboard.sizeColumn ?? 'Dataset size',
      scale: first.entry.scale, track: first.entry.track, suite: suiteName, headline, columns, tasks, rows,
    })
  }
  return boards.sort((a, b) => boardOrder(a) - boardOrder(b) || a.id.localeCompare(b.id))
}

function rankedContamination(c: NonNullable<BoardRecord['contamination']>): RankedContamination {
  return {clean: c.clean, suite: c.suite, records_checked: c.records_checked, records_flagged: c.records_flagged, found: c.found, checked_at: c.checked_at, key_id: c.signature.key_id}
}

/** Boards in the order `bench tracks list` shows scales (benchmark, then scale, then track as in tracks/*.yaml). */
function boardOrder(board: RankedBoard): number {
  const recipes = listRecipes()
  const scale = recipes.findIndex((r) => r.benchmark === board.benchmark && r.scale === board.scale)
  const track = scale >= 0 ? (recipes[scale] as (typeof recipes)[number]).tracks.indexOf(board.track) : -1
  return (scale < 0 ? recipes.length : scale) * 100 + (track < 0 ? 99 : track)
}
