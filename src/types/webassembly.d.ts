// The part of the WebAssembly JS API that dcbench uses. Node has it all at run time, but
// @types/node 20 declares the global only as a namespace (the full types live in the DOM lib,
// which a Node project should not pull in).
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number
    maximum?: number
  }
  type Imports = Record<string, Record<string, unknown>>
  type Exports = Record<string, unknown>
  class Memory {
    constructor(descriptor: MemoryDescriptor)
    readonly buffer: ArrayBuffer
    /** Adds `delta` 64 KiB pages; returns the former size in pages. */
    grow(delta: number): number
  }
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer)
  }
  class Instance {
    constructor(module: Module, imports?: Imports)
    readonly exports: Exports
  }
}
