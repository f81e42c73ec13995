/**
 * `1 file`, `3 files`, `1 uid`, `20000 uids`: a count with its noun in the right number, for every
 * message that counts something (`plural` defaults to the noun + s).
 */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`
}
