import type {z} from 'zod'

/** One line for the first problem zod found: `field.path: message (+N more)`. */
export function describeZodError(error: z.ZodError, pathPrefix: readonly (string | number)[] = []): string {
  const [first, ...rest] = error.issues
  if (!first) return 'invalid'
  const path = [...pathPrefix, ...first.path.map(String)].join('.') || '(top level)'
  const more = rest.length > 0 ? ` (+${rest.length} more problem${rest.length > 1 ? 's' : ''})` : ''
  return `${path}: ${first.message}${more}`
}
