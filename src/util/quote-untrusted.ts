/**
 * A string from a hostile file (a tar member name, a key) as it may appear in a one-line message:
 * cut to `max` characters and quoted, with control, format (bidi overrides) and line-separator
 * characters, quotes and backslashes written as \uXXXX, so it cannot move the cursor, recolour the
 * terminal, fake a second line or read as something else.
 */
export function quoteUntrusted(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text
  return `'${cut.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}'\\]/gu, (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`)}'`
}
