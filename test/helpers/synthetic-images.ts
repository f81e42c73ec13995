import sharp from 'sharp'

/** A deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Smooth colour waves, noise and a solid block: photo-like enough to exercise decoding and resampling. */
export function syntheticPixels(seed: number, width: number, height: number): Buffer {
  const r = rng(seed)
  const f = Array.from({length: 9}, () => r())
  const block = [r() * 255, r() * 255, r() * 255]
  const bx = Math.floor(r() * width * 0.6)
  const by = Math.floor(r() * height * 0.6)
  const out = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inBlock = x >= bx && x < bx + width / 3 && y >= by && y < by + height / 3
      for (let c = 0; c < 3; c++) {
        const wave = 127 + 90 * Math.sin(x * (f[c] as number) * 0.3 + y * (f[c + 3] as number) * 0.3 + (f[c + 6] as number) * 6)
        const v = inBlock ? (block[c] as number) : wave + (r() - 0.5) * 40
        out[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)))
      }
    }
  }
  return out
}

/** An encoded synthetic image (jpg, png or webp). */
export async function syntheticImage(seed: number, width: number, height: number, format: 'jpg' | 'png' | 'webp' = 'jpg'): Promise<Buffer> {
  const img = sharp(syntheticPixels(seed, width, height), {raw: {width, height, channels: 3}})
  if (format === 'png') return img.png().toBuffer()
  if (format === 'webp') return img.webp({quality: 80}).toBuffer()
  return img.jpeg({quality: 90}).toBuffer()
}

/**
 * A "dead leaves" image (Matheron; the standard model of natural-image statistics): discs of random
 * colour and power-law radii dropped on top of one another, with a little texture. Detailed, and
 * unrelated from seed to seed like different photographs: the near-duplicate tests use them.
 */
export function deadLeavesPixels(seed: number, width: number, height: number): Buffer {
  const r = rng(seed)
  const out = Buffer.alloc(width * height * 3)
  const size = Math.max(width, height)
  for (let leaf = 0; leaf < 300; leaf++) {
    const radius = size * 0.02 * (1 / (0.05 + r() * 0.95)) ** 0.8
    const cx = r() * width
    const cy = r() * height
    const colour = [r() * 255, r() * 255, r() * 255]
    const stripe = 0.05 + r() * 0.3
    for (let y = Math.max(0, Math.floor(cy - radius)); y < Math.min(height, Math.ceil(cy + radius)); y++) {
      for (let x = Math.max(0, Math.floor(cx - radius)); x < Math.min(width, Math.ceil(cx + radius)); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > radius * radius) continue
        const shade = 0.85 + 0.15 * Math.sin((x + y) * stripe)
        for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = Math.round((colour[c] as number) * shade)
      }
    }
  }
  return out
}

/** A dead-leaves image encoded as jpg (quality 92) or png. */
export async function deadLeavesImage(seed: number, width: number, height: number, format: 'jpg' | 'png' = 'jpg'): Promise<Buffer> {
  const img = sharp(deadLeavesPixels(seed, width, height), {raw: {width, height, channels: 3}})
  return format === 'png' ? img.png().toBuffer() : img.jpeg({quality: 92}).toBuffer()
}
