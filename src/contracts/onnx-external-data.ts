import {closeSync, fstatSync, openSync, readSync} from 'node:fs'
import {posix} from 'node:path'

import {DcbError} from '../errors.js'
import {lstatInside, UnsafePathError} from '../util/no-follow.js'

/**
 * Where an ONNX graph of a model folder reads its external data (docs/contracts.md, "External data and
 * shared weights"): every tensor stored outside the protobuf names a `location` relative to the graph's
 * own folder, an `offset` and a `length`. onnxruntime opens those files itself, so before a graph is
 * loaded the harness reads them out of the protobuf and holds them to model.json's `onnx_external_data`:
 * the file named there for that graph (several graphs may name the same one: an LM's shared
 * `weights.bin`), inside the folder with no link on the way, and every byte range within it.
 *
 * The protobuf is walked, not parsed whole: a graph with inline weights can be close to 2 GiB, and its
 * `raw_data` fields are skipped by offset, so memory stays at one read window whatever the graph's size.
 */

/** One tensor's external data as its graph names it. */
export interface ExternalDataRef {
  tensor: string
  location: string
  offset: number
  length: number | undefined
}

// field numbers of onnx.proto3 (ModelProto.graph, GraphProto.node/initializer/sparse_initializer, …)
const MODEL_GRAPH = 7
const GRAPH = {node: 1, initializer: 5, sparseInitializer: 15}
const NODE_ATTRIBUTE = 5
const ATTRIBUTE = {t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23}
const SPARSE = {values: 1, indices: 2}
const TENSOR = {name: 8, externalData: 13, dataLocation: 14}
const DATA_LOCATION_EXTERNAL = 1
/** If/Loop bodies nest graphs; a real model nests a few levels, a crafted one is stopped here. */
const MAX_DEPTH = 32
/** Longest name, key or value read from a graph (a tensor name, a file name, a number). */
const MAX_STRING = 4096
const WINDOW = 1 << 16

class GraphFormatError extends Error {}

/** Reads a file at positions through one window, so skipped fields are never read. */
class Window {
  private buffer = Buffer.alloc(WINDOW)
  private start = 0
  private end = 0
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  byte(at: number): number {
    if (at < this.start || at >= this.end) {
      if (at >= this.size) throw new GraphFormatError(`ends inside a field at byte ${at}`)
      this.start = at
      this.end = at + readSync(this.fd, this.buffer, 0, Math.min(WINDOW, this.size - at), at)
      // a file cut short since its size was read: never hand out the last window's bytes
      if (this.end <= at) throw new GraphFormatError(`ends inside a field at byte ${at}`)
    }
    return this.buffer[at - this.start]!
  }

  bytes(at: number, length: number): Buffer {
    const out = Buffer.alloc(length)
    if (readSync(this.fd, out, 0, length, at) !== length) throw new GraphFormatError(`ends inside a field at byte ${at}`)
    return out
  }
}

interface Field {
  number: number
  wire: number
  /** A varint's value, or a length-delimited field's byte range. */
  value: number
  start: number
  end: number
}

function varint(w: Window, at: number): [number, number] {
  let value = 0
  for (let shift = 0, pos = at; shift < 64; shift += 7, pos++) {
    const b = w.byte(pos)
    value += (b & 0x7f) * 2 ** shift
    if (b < 0x80) return [value, pos + 1]
  }
  throw new GraphFormatError(`a varint longer than 10 bytes at byte ${at}`)
}

/** The fields of the message in [start, end), wire types checked, contents not read. */
function* fields(w: Window, start: number, end: number): Generator<Field> {
  let pos = start
  while (pos < end) {
    const [tag, after] = varint(w, pos)
    const number = Math.floor(tag / 8)
    const wire = tag % 8
    let field: Field
    if (wire === 0) {
      const [value, next] = varint(w, after)
      field = {number, wire, value, start: after, end: next}
    } else if (wire === 2) {
      const [length, next] = varint(w, after)
      field = {number, wire, value: length, start: next, end: next + length}
    } else if (wire === 1 || wire === 5) {
      field = {number, wire, value: 0, start: after, end: after + (wire === 1 ? 8 : 4)}
    } else {
      throw new GraphFormatError(`wire type ${wire} of field ${number} at byte ${pos}`)
    }
    if (field.end > end) throw new GraphFormatError(`field ${number} at byte ${pos} runs past its message (byte ${end})`)
    pos = field.end
    yield field
  }
}

function text(w: Window, field: Field): string {
  if (field.wire !== 2 || field.end - field.start > MAX_STRING) throw new GraphFormatError(`a string field over ${MAX_STRING} bytes at byte ${field.start}`)
  return w.bytes(field.start, field.end - field.start).toString('utf8')
}

function tensor(w: Window, start: number, end: number, out: ExternalDataRef[]): void {
  let name = ''
  let external = false
  // keys come from the file: a Map, so no key ('__proto__') reaches an object's prototype
  const entries = new Map<string, string>()
  for (const f of fields(w, start, end)) {
    if (f.number === TENSOR.name && f.wire === 2) name = text(w, f)
    else if (f.number === TENSOR.dataLocation && f.wire === 0) external = f.value === DATA_LOCATION_EXTERNAL
    else if (f.number === TENSOR.externalData && f.wire === 2) {
      let key = ''
      let value = ''
      for (const e of fields(w, f.start, f.end)) {
        if (e.number === 1) key = text(w, e)
        else if (e.number === 2) value = text(w, e)
      }
      entries.set(key, value)
    }
  }
  if (!external) return
  const number = (key: string): number | undefined => {
    const raw = entries.get(key)
    if (raw === undefined) return undefined
    if (!/^\d{1,15}$/.test(raw)) throw new GraphFormatError(`tensor '${name}': external_data ${key} ${JSON.stringify(raw)} is not a byte count`)
    return Number(raw)
  }
  out.push({tensor: name, location: entries.get('location') ?? '', offset: number('offset') ?? 0, length: number('length')})
}

function graph(w: Window, start: number, end: number, out: ExternalDataRef[], depth: number): void {
  if (depth > MAX_DEPTH) throw new GraphFormatError(`subgraphs nested over ${MAX_DEPTH} deep`)
  const sparse = (s: number, e: number): void => {
    for (const f of fields(w, s, e)) if ((f.number === SPARSE.values || f.number === SPARSE.indices) && f.wire === 2) tensor(w, f.start, f.end, out)
  }
  for (const f of fields(w, start, end)) {
    if (f.wire !== 2) continue
    if (f.number === GRAPH.initializer) tensor(w, f.start, f.end, out)
    else if (f.number === GRAPH.sparseInitializer) sparse(f.start, f.end)
    else if (f.number === GRAPH.node) {
      for (const a of fields(w, f.start, f.end)) {
        if (a.number !== NODE_ATTRIBUTE || a.wire !== 2) continue
        for (const v of fields(w, a.start, a.end)) {
          if (v.wire !== 2) continue
          if (v.number === ATTRIBUTE.t || v.number === ATTRIBUTE.tensors) tensor(w, v.start, v.end, out)
          else if (v.number === ATTRIBUTE.g || v.number === ATTRIBUTE.graphs) graph(w, v.start, v.end, out, depth + 1)
          else if (v.number === ATTRIBUTE.sparseTensor || v.number === ATTRIBUTE.sparseTensors) sparse(v.start, v.end)
        }
      }
    }
  }
}

/** Every tensor of the ONNX graph `file` (a ModelProto) stored as external data; a malformed file is a DCB_MODEL_DIR error. */
export function readExternalDataRefs(file: string): ExternalDataRef[] {
  const fd = openSync(file, 'r')
  try {
    const w = new Window(fd, fstatSync(fd).size)
    const out: ExternalDataRef[] = []
    for (const f of fields(w, 0, w.size)) if (f.number === MODEL_GRAPH && f.wire === 2) graph(w, f.start, f.end, out, 0)
    return out
  } catch (error) {
    if (error instanceof GraphFormatError) throw new DcbError('DCB_MODEL_DIR', `${file}: not an ONNX model protobuf (${error.message})`)
    throw error
  } finally {
    closeSync(fd)
  }
}

/**
 * Checks the external data of `graph` (relative to the model folder `dir`) against `named`, the file
 * model.json's `onnx_external_data` gives for it: one problem line per kind of fault — a location
 * outside the folder (absolute, `..`, through a link), another file than `named`, a missing file, or
 * a byte range past its end. Empty when the graph reads only what model.json names.
 */
export function externalDataProblems(dir: string, graph: string, named: string | undefined): string[] {
  const file = posix.join(dir, graph)
  const problems: string[] = []
  const sizes = new Map<string, number | string>()
  for (const ref of readExternalDataRefs(file)) {
    const rel = posix.normalize(posix.join(posix.dirname(graph), ref.location))
    const where = `${file}: initializer '${ref.tensor}' reads external data from ${JSON.stringify(ref.location)}`
    if (ref.location === '' || ref.location.startsWith('/') || /[\\\0]/.test(ref.location) || rel === '.' || rel === '..' || rel.startsWith('../')) {
      problems.push(`${where}, outside the model folder; expected a file in it named by model.json's onnx_external_data`)
      break
    }
    if (named === undefined || rel !== posix.normalize(named)) {
      problems.push(`${where}, but model.json's onnx_external_data names ${named === undefined ? `no file for ${graph}` : JSON.stringify(named)}`)
      break
    }
    if (!sizes.has(rel)) {
      try {
        const stats = lstatInside(dir, rel)
        sizes.set(rel, stats === undefined ? 'missing' : stats.isFile() ? stats.size : 'not a regular file')
      } catch (error) {
        if (!(error instanceof UnsafePathError)) throw error
        sizes.set(rel, error.reason)
      }
    }
    const size = sizes.get(rel)!
    if (typeof size === 'string') {
      problems.push(`${where}: ${posix.join(dir, rel)} is ${size}`)
      break
    }
    const length = ref.length ?? size - ref.offset
    if (ref.offset + length > size || length < 0) {
      problems.push(`${where}: bytes ${ref.offset}…${ref.offset + length} of a ${size}-byte file`)
      break
    }
  }
  return problems
}

/** externalDataProblems for each graph of a model folder, the first problem thrown as a DCB_MODEL_DIR error (before onnxruntime opens them). */
export function assertExternalDataInside(dir: string, graphs: readonly string[], externalData: Readonly<Record<string, string>> | undefined): void {
  for (const graph of graphs) {
    const [problem] = externalDataProblems(dir, graph, externalData?.[graph])
    if (problem !== undefined) throw new DcbError('DCB_MODEL_DIR', problem)
  }
}
