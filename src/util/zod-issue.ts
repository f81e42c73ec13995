import type {z} from 'zod'

import {quoteUntrusted} from './quote-untrusted.js'

/** One line for the first problem zod found: `field.path: message (+N more)`. */
export function describeZodError(error: z.ZodError, pathPrefix: readonly (string | number)[] = []): string {
  const [first, ...rest] = error.issues
  if (!first) return 'invalid'
  const path = [...pathPrefix, ...first.path.map(String)].map(shownKey).join('.') || '(top level)'
  const more = rest.length > 0 ? ` (+${rest.length} more problem${rest.length > 1 ? 's' : ''})` : ''
  return `${path}: ${first.message}${more}`
}

/** Keys come from the file being checked: a plain one is shown as it is, any other quoted and escaped. */
function shownKey(key: string | number): string {
  const text = String(key)
  return /^[\w./@+-]{1,80}$/.test(text) ? text : quoteUntrusted(text)
}
