import {StringDecoder} from 'node:string_decoder'

/** Splits a byte stream into lines (\n or \r\n), calling `onLine` for each; `flush` emits a last partial line. */
export function lineSplitter(onLine: (line: string) => void): {write(chunk: Buffer | string): void; flush(): void} {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  return {
    write(chunk) {
      rest += typeof chunk === 'string' ? chunk : decoder.write(chunk)
      let nl: number
      while ((nl = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, nl).replace(/\r$/, ''))
        rest = rest.slice(nl + 1)
      }
    },
    flush() {
      rest += decoder.end()
      if (rest !== '') onLine(rest.replace(/\r$/, ''))
      rest = ''
    },
  }
}
