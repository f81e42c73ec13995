/**
 * Python's `str()`/f-string form of numbers, as DataComp's train.py and DCLM's params.py write them into
 * argument lists (`f"{lr}"`): the shortest round-trip digits (as JavaScript), in scientific notation
 * when the exponent is below -4 or at least 16 (`5e-05`, `1e+16`), and `.0` on integral floats.
 */
export function pythonFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf'
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0'
  const [mantissa, exp] = value.toExponential().split('e') as [string, string]
  const exponent = Number(exp)
  if (exponent < -4 || exponent >= 16) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  const fixed = value.toFixed(Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - exponent))
  return fixed.includes('.') ? fixed : `${fixed}.0`
}

/** Python's `str()` of a value that is an int in the upstream config (JSON integer) or a float. */
export function pythonNumber(value: number, kind: 'int' | 'float'): string {
  if (kind === 'int') {
    if (!Number.isInteger(value)) throw new Error(`expected an integer, got ${value}`)
    return String(value)
  }
  return pythonFloat(value)
}
