import {open, rm, type FileHandle} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {tempPathFor} from '../util/atomic-write.js'
import {SPAN_TEXT_LIMIT, type ContaminationMethod, type Finding, type TaskPart} from './report.js'

/** A finding as a benchmark's check reports it: the part (task and kind) by its number. */
export interface FoundItem {
  record: string
  where: string
  part: number
  example: number
  method: ContaminationMethod
  evalKey?: string
  distance?: number
  /** Text matches: the record's text and the matched [start, end), and the matched n-grams. */
  text?: string
  start?: number
  end?: number
  ngrams?: number
}

/**
 * Collects the findings of a check: counts per task and part (items found, records flagged) in
 * memory — one bit per eval item — and the findings themselves streamed to a temporary JSONL file,
 * with the first `keep` of them also kept for the `--json` document.
 */
export class FindingSink {
  private readonly parts: {task: string; kind: string; total: number; found: Uint8Array; byMethod: Map<string, number>; unchecked: Record<string, number>}[] = []
  private readonly taskFlagged = new Map<string, {count: number; last: string | undefined}>()
  private readonly flaggedRecords = {count: 0, last: undefined as string | undefined}
  private file: FileHandle | undefined
  private readonly path: string
  private buffer: string[] = []
  /** The first findings, for the `--json` document. */
  readonly first: Finding[] = []
  total = 0

  constructor(
    private readonly keep: number,
    /** A folder for the temporary findings file (beside the report, so the copy stays on one disk). */
    dir = tmpdir(),
  ) {
    this.path = tempPathFor(join(dir, 'contamination-findings.jsonl'))
  }

  /** Declares a kind of eval item of a task (`examples`, `images`, `captions`); returns its part number. */
  addPart(task: string, kind: string, total: number, unchecked: Record<string, number> = {}): number {
    this.parts.push({task, kind, total, found: new Uint8Array(total), byMethod: new Map(), unchecked})
    if (!this.taskFlagged.has(task)) this.taskFlagged.set(task, {count: 0, last: undefined})
    return this.parts.length - 1
  }

  /** Records one finding. Findings of one record must come one after another. */
  async add(item: FoundItem): Promise<void> {
    const part = this.parts[item.part]!
    if (part.found[item.example] === 0) {
      part.found[item.example] = 1
    }
    const methodKey = `${item.method}:${item.example}`
    if (!part.byMethod.has(methodKey)) part.byMethod.set(methodKey, 1)
    const flagged = this.taskFlagged.get(part.task)!
    if (flagged.last !== item.record) {
      flagged.count++
      flagged.last = item.record
    }
    if (this.flaggedRecords.last !== item.record) {
      this.flaggedRecords.count++
      this.flaggedRecords.last = item.record
    }
    const finding: Finding = {
      record: item.record,
      where: item.where,
      task: part.task,
      kind: part.kind,
      example: item.example,
      method: item.method,
      ...(item.evalKey === undefined ? {} : {eval_key: item.evalKey}),
      ...(item.distance === undefined ? {} : {distance: item.distance}),
      ...(item.text === undefined ? {} : {span: spanOf(item.text, item.start!, item.end!)}),
      ...(item.ngrams === undefined ? {} : {ngrams: item.ngrams}),
    }
    this.total++
    if (this.first.length < this.keep) this.first.push(finding)
    this.buffer.push(JSON.stringify(finding))
    if (this.buffer.length >= 256) await this.flush()
  }

  /** Records that held at least one eval item. */
  get recordsFlagged(): number {
    return this.flaggedRecords.count
  }

  /** The per-part counts, grouped by task in the order the parts were declared. */
  summaries(): {task: string; records_flagged: number; parts: TaskPart[]}[] {
    const tasks = new Map<string, TaskPart[]>()
    for (const part of this.parts) {
      let found = 0
      for (const bit of part.found) found += bit
      const byMethod: Record<string, number> = {}
      for (const key of part.byMethod.keys()) {
        const method = key.slice(0, key.indexOf(':'))
        byMethod[method] = (byMethod[method] ?? 0) + 1
      }
      const list = tasks.get(part.task) ?? []
      list.push({kind: part.kind, total: part.total, found, fraction_found: part.total === 0 ? 0 : found / part.total, found_by: byMethod, unchecked: part.unchecked})
      tasks.set(part.task, list)
    }
    return [...tasks].map(([task, parts]) => ({task, records_flagged: this.taskFlagged.get(task)?.count ?? 0, parts}))
  }

  /** Writes what is buffered; returns the findings file (undefined when nothing was found). */
  async close(): Promise<string | undefined> {
    await this.flush()
    await this.file?.close()
    this.file = undefined
    return this.total > 0 ? this.path : undefined
  }

  /** Removes the temporary file. */
  async discard(): Promise<void> {
    await this.file?.close().catch(() => {})
    this.file = undefined
    await rm(this.path, {force: true})
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return
    this.file ??= await open(this.path, 'wx', 0o600)
    await this.file.write(`${this.buffer.join('\n')}\n`)
    this.buffer = []
  }
}

function spanOf(text: string, start: number, end: number): {start: number; end: number; text: string} {
  const span = text.slice(start, end)
  return {start, end, text: span.length > SPAN_TEXT_LIMIT ? `${span.slice(0, SPAN_TEXT_LIMIT)}…` : span}
}
