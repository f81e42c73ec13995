/**
 * Reused pixel buffers for the download path. Every sample's resized (and blurred) pixels live only
 * from the resize until the JPEG encoder has read them; allocating a fresh buffer for each one
 * makes V8 count ~0.6 MB more external memory per image, and external memory is what triggers its
 * full (mark-compact) collections here. A buffer taken is handed back once its pixels are encoded
 * and is then reused; at most MAX_SPARE of one size are kept, so the pool stays bounded whatever
 * the number of downloads in flight (a burst allocates, the surplus is left to the collector).
 */

/** Spare buffers kept per size. */
export const MAX_SPARE = 8

/** Sizes above this are never kept (one image of them is rare; keeping them would hold the memory). */
export const MAX_POOLED_BYTES = 16 << 20

const spare = new Map<number, Uint8Array[]>()

/**
 * A buffer of `capacity` bytes, contents undefined: a spare one when there is one. Callers ask for
 * one capacity per use (the largest image it holds: imageSize² × 3 for resized pixels) and work in a
 * subarray, so buffers are reused across images of different sizes.
 */
export function takeScratch(capacity: number): Uint8Array {
  return spare.get(capacity)?.pop() ?? new Uint8Array(capacity)
}

/** Hands a buffer from takeScratch back; the caller must not use it afterwards. */
export function giveScratch(buffer: Uint8Array): void {
  if (buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength || buffer.byteLength > MAX_POOLED_BYTES) return
  const list = spare.get(buffer.byteLength) ?? []
  if (list.length >= MAX_SPARE || list.includes(buffer)) return
  list.push(buffer)
  spare.set(buffer.byteLength, list)
}
