/** "a" or "an" before a word, by its first letter (the rule every world text follows). */
export function articleFor(word: string): 'a' | 'an' {
  return /^[aeiou]/i.test(word) ? 'an' : 'a'
}
