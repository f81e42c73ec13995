/**
 * `a, b, c and 35 more`: a list for a one-line message, bounded whatever its length (the full list
 * belongs in the table or the --json document beside the message).
 */
export function firstFew(items: readonly string[], shown = 5): string {
  if (items.length <= shown) return items.join(', ')
  return `${items.slice(0, shown).join(', ')} and ${items.length - shown} more`
}
