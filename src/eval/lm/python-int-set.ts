/**
 * The iteration order of a CPython `set` of small non-negative ints (hash(i) == i), which decides the
 * order of llm-foundry's few-shot examples: `get_fewshot_sample_idxs` returns a set and the prompt
 * lists the examples as the set iterates. Follows CPython 3.11's Objects/setobject.c: open addressing
 * in a power-of-two table (8 slots at first), 9 linear probes then perturbed jumps (i·5 + 1 + perturb),
 * resize to the smallest power of two above 4·used when fill·5 ≥ mask·3, `remove` leaves a dummy that a
 * later insert may reuse. Tests compare orders with the host's python3.
 */
const LINEAR_PROBES = 9
const PERTURB_SHIFT = 5

type Slot = {key: number} | 'dummy' | undefined

export class PythonIntSet {
  private table: Slot[] = new Array<Slot>(8)
  private mask = 7
  private fill = 0
  private used = 0

  constructor(items: Iterable<number> = []) {
    for (const item of items) this.add(item)
  }

  get size(): number {
    return this.used
  }

  has(key: number): boolean {
    return this.find(key) !== undefined
  }

  add(key: number): void {
    checkKey(key)
    let i = key & this.mask
    let perturb = key
    let freeslot: number | undefined
    for (;;) {
      let index = i
      let probes = i + LINEAR_PROBES <= this.mask ? LINEAR_PROBES : 0
      do {
        const slot = this.table[index]
        if (slot === undefined) {
          if (freeslot !== undefined) {
            this.table[freeslot] = {key}
            this.used++
            return
          }
          this.table[index] = {key}
          this.fill++
          this.used++
          if (this.fill * 5 >= this.mask * 3) this.resize(this.used > 50000 ? this.used * 2 : this.used * 4)
          return
        }
        if (slot === 'dummy') freeslot = index
        else if (slot.key === key) return
        index++
      } while (probes-- > 0)
      perturb = Math.floor(perturb / 2 ** PERTURB_SHIFT)
      i = (i * 5 + 1 + perturb) & this.mask
    }
  }

  /** `set.remove(key)`; throws like Python when absent. */
  remove(key: number): void {
    const index = this.find(key)
    if (index === undefined) throw new RangeError(`KeyError: ${key}`)
    this.table[index] = 'dummy'
    this.used--
  }

  /** Iteration order: table slot order. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (const slot of this.table) if (slot !== undefined && slot !== 'dummy') yield slot.key
  }

  private find(key: number): number | undefined {
    checkKey(key)
    let i = key & this.mask
    let perturb = key
    for (;;) {
      let index = i
      let probes = i + LINEAR_PROBES <= this.mask ? LINEAR_PROBES : 0
      do {
        const slot = this.table[index]
        if (slot === undefined) return undefined
        if (slot !== 'dummy' && slot.key === key) return index
        index++
      } while (probes-- > 0)
      perturb = Math.floor(perturb / 2 ** PERTURB_SHIFT)
      i = (i * 5 + 1 + perturb) & this.mask
    }
  }

  private resize(minused: number): void {
    let size = 8
    while (size <= minused) size *= 2
    const old = this.table
    this.table = new Array<Slot>(size)
    this.mask = size - 1
    this.fill = this.used
    for (const slot of old) if (slot !== undefined && slot !== 'dummy') this.insertClean(slot.key)
  }

  private insertClean(key: number): void {
    let i = key & this.mask
    let perturb = key
    for (;;) {
      if (this.table[i] === undefined) {
        this.table[i] = {key}
        return
      }
      if (i + LINEAR_PROBES <= this.mask) {
        for (let j = 1; j <= LINEAR_PROBES; j++) {
          if (this.table[i + j] === undefined) {
            this.table[i + j] = {key}
            return
          }
        }
      }
      perturb = Math.floor(perturb / 2 ** PERTURB_SHIFT)
      i = (i * 5 + 1 + perturb) & this.mask
    }
  }
}

function checkKey(key: number): void {
  // `&` works on 32 bits: keys here are dataset indices, far below that.
  if (!Number.isInteger(key) || key < 0 || key > 0x7fffffff) throw new RangeError(`only small non-negative ints are supported, received ${key}`)
}
