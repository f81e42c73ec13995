/**
 * `--json` output has one key style, snake_case, as every file format dcbench writes (run.json,
 * eval results, entries). Library results are TypeScript objects with camelCase fields; the CLI
 * renames those fields once, here, on the way out, so every command (and any added later) agrees.
 *
 * Only keys shaped like a lowerCamel identifier (`keyId`, `signaturesChecked`, `outDir`) are renamed.
 * Keys that are data never have that shape: task keys (`cifar10`, `vtab/dtd`, `hellaswag_zeroshot`),
 * aggregate and display names (`ImageNet dist. shifts`, `Core_v2`), uids and hex ids, file paths.
 */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys)
  if (value === null || typeof value !== 'object' || !isPlainObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) out[isCamelCaseKey(key) ? toSnakeCase(key) : key] = snakeCaseKeys(inner)
  return out
}

/** A lowerCamel identifier: a lower-case start and at least one upper-case letter after it. */
export function isCamelCaseKey(key: string): boolean {
  return /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/.test(key)
}

function toSnakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

/** Objects built from literals or JSON (not Dates, Buffers, Maps: JSON.stringify treats those itself). */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}
