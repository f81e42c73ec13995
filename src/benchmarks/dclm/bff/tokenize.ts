/**
 * bff's `tokenize` / `tokenize_indices` (dedup/bff/src/main.rs): unicode-segmentation's
 * `split_word_bounds` (UAX #29 word boundaries), keeping every segment with a character that is not
 * White_Space — so punctuation marks are tokens too.
 */

const WORD_SEGMENTER = new Intl.Segmenter('en', {granularity: 'word'})
/** A character and the Word_Break Extend/Format characters after it (UAX #29 WB4; ZWSP is not Format). */
const WB4_PIECE = /.(?:(?!\u200B)[\p{Grapheme_Extend}\p{Mc}\p{Cf}])*/gsu
/** Scripts ICU segments by dictionary, where plain UAX #29 (unicode-segmentation) breaks at every character. */
const DICTIONARY_SCRIPTS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u
/** Rust's `char::is_whitespace` is the White_Space property. */
const ALL_WHITESPACE = /^\p{White_Space}*$/u

/** A token and where it starts in the text (a UTF-16 index; upstream's byte index orders the same way). */
export interface Token {
  text: string
  start: number
}

/**
 * The tokens of `text`, with indices offset by `offset`. ICU's word segmenter (Intl.Segmenter)
 * applies UAX #29 as unicode-segmentation does, except that it groups Chinese, Japanese and
 * South-East-Asian runs by dictionary; such segments are cut back into single characters, each with
 * the combining and format characters after it (WB4), which is where UAX #29 breaks in these scripts
 * (no rule joins two of their letters): checked against the `regex` module's UAX #29 by
 * test/integration/filters/dclm-bff.test.ts. Katakana runs, which UAX #29 keeps whole (WB13), are
 * left as ICU segments them (whole, in the test's text).
 */
export function tokenize(text: string, offset = 0): Token[] {
  const tokens: Token[] = []
  for (const {segment, index} of WORD_SEGMENTER.segment(text)) {
    if (ALL_WHITESPACE.test(segment)) continue
    if (segment.length > 1 && DICTIONARY_SCRIPTS.test(segment)) {
      for (const piece of segment.matchAll(WB4_PIECE)) tokens.push({text: piece[0], start: offset + index + piece.index})
    } else {
      tokens.push({text: segment, start: offset + index})
    }
  }
  return tokens
}
