/** A JPEG's frame header (SOF): its coding process and each component's sampling factors. */
export interface JpegFrame {
  /** The SOF marker's second byte: 0xC0 baseline, 0xC1 extended, 0xC2 progressive (Huffman); others are arithmetic or lossless. */
  marker: number
  /** The frame's sides as the header states them (a height of 0 means a DNL marker gives it later). */
  width: number
  height: number
  components: {h: number; v: number}[]
}

const isFrameMarker = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc

/** The frame header of a JPEG, or undefined when `bytes` is not a JPEG whose header can be found. */
export function readJpegFrame(bytes: Uint8Array): JpegFrame | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined
  let i = 2
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return undefined
    const marker = bytes[i + 1] as number
    if (marker === 0xff) {
      i++ // fill byte
      continue
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2 // markers without a length
      continue
    }
    if (marker === 0xd9 || marker === 0xda) return undefined // end of image or a scan before any frame
    const length = ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number)
    if (isFrameMarker(marker)) {
      const count = bytes[i + 9]
      if (count === undefined || i + 10 + 3 * count > bytes.length) return undefined
      const components = Array.from({length: count}, (_, k) => {
        const hv = bytes[i + 11 + 3 * k] as number
        return {h: hv >> 4, v: hv & 15}
      })
      const height = ((bytes[i + 5] as number) << 8) | (bytes[i + 6] as number)
      const width = ((bytes[i + 7] as number) << 8) | (bytes[i + 8] as number)
      return {marker, width, height, components}
    }
    i += 2 + length
  }
  return undefined
}
