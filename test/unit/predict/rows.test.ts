import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {DcbError} from '../../../src/errors.js'
import {readRowsFile} from '../../../src/predict/rows.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-rows-')

async function read(name: string, text: string): Promise<Awaited<ReturnType<typeof readRowsFile>>> {
  const file = join(tempDir(), name)
  writeFileSync(file, text)
  return readRowsFile(file)
}

async function refused(name: string, text: string): Promise<{code: string; exitCode: number; message: string}> {
  try {
    await read(name, text)
  } catch (error) {
    if (error instanceof DcbError) return {code: error.code, exitCode: error.exitCode, message: error.message.replace(/^.*rows\.\w+: /, '')}
    throw error
  }
  throw new Error('expected the rows to be refused')
}

describe('rows files of bench predict fit', () => {
  it('reads the same rows from CSV, JSONL and a JSON array', async () => {
    const csv = await read('rows.csv', 'name,params,tokens,loss,error\na,1e7,2e8,5.4,0.81\nb,7.9e7,1.58e9,3.9,\n')
    const jsonl = await read('rows.jsonl', '{"name":"a","params":1e7,"tokens":2e8,"loss":5.4,"error":0.81}\n\n{"name":"b","params":7.9e7,"tokens":1.58e9,"loss":3.9}\n')
    const json = await read('rows.json', '[{"name":"a","params":1e7,"tokens":2e8,"loss":5.4,"error":0.81},{"name":"b","params":7.9e7,"tokens":1.58e9,"loss":3.9,"error":null}]')
    const want = [{name: 'a', params: 1e7, tokens: 2e8, loss: 5.4, error: 0.81}, {name: 'b', params: 7.9e7, tokens: 1.58e9, loss: 3.9}]
    expect(csv.rows).toEqual(want)
    expect(jsonl.rows).toEqual(want)
    expect(json.rows).toEqual(want)
    expect(csv.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('refuses non-positive N or D and non-finite values with DCB_PREDICT_VALUE, exit 2', async () => {
    expect(await refused('rows.csv', 'params,tokens,loss\n0,2e8,5\n')).toEqual({code: 'DCB_PREDICT_VALUE', exitCode: 2, message: "line 2: field 'params' is 0; expected a positive number (N and D are counts)"})
    expect(await refused('rows.jsonl', '{"params":1e7,"tokens":-5,"loss":5}\n')).toMatchObject({code: 'DCB_PREDICT_VALUE', message: "line 1: field 'tokens' is -5; expected a positive number (N and D are counts)"})
    expect(await refused('rows.csv', 'params,tokens,loss\n1e7,2e8,nan\n')).toMatchObject({code: 'DCB_PREDICT_VALUE', exitCode: 2, message: "line 2: field 'loss' is NaN; expected a finite number"})
    expect(await refused('rows.csv', 'params,tokens,loss,error\n1e7,2e8,5,inf\n')).toMatchObject({code: 'DCB_PREDICT_VALUE', message: "line 2: field 'error' is Infinity; expected a finite number"})
    // JSON has no NaN literal: 1e999 is what JSON.parse turns into Infinity
    expect(await refused('rows.json', '[{"params":1e999,"tokens":2e8,"loss":5}]')).toMatchObject({code: 'DCB_PREDICT_VALUE', message: "item 0: field 'params' is Infinity; expected a finite number"})
  })

  it('refuses malformed rows with DCB_PREDICT_ROWS, naming the line and field', async () => {
    expect(await refused('rows.csv', 'params,tokens\n1e7,2e8\n')).toEqual({code: 'DCB_PREDICT_ROWS', exitCode: 2, message: "line 2: field 'loss' is missing; expected a number"})
    expect(await refused('rows.csv', 'params,tokens,loss,Loss\n1e7,2e8,5,5\n')).toMatchObject({message: "line 2: unknown field 'Loss'; expected name, params, tokens, loss, error"})
    expect(await refused('rows.csv', 'params,tokens,loss\n1e7,2e8,five\n')).toMatchObject({message: `line 2: field 'loss': expected a number, received "five"`})
    expect(await refused('rows.jsonl', '{"params":1e7,\n')).toMatchObject({code: 'DCB_PREDICT_ROWS'})
    expect(await refused('rows.json', '{"params":1}')).toMatchObject({message: 'expected a JSON array of runs, received object'})
    expect(await refused('rows.json', '[]')).toMatchObject({message: 'no rows; expected one row per run with params, tokens and loss'})
    expect(await refused('rows.json', '[{"params":"1e7","tokens":2e8,"loss":5}]')).toMatchObject({message: `item 0: field 'params': expected a number, received "1e7"`})
  })

  it('refuses a missing file and a folder', async () => {
    await expect(readRowsFile(join(tempDir(), 'none.csv'))).rejects.toMatchObject({code: 'DCB_PREDICT_ROWS', message: expect.stringMatching(/none\.csv: file not found/)})
    await expect(readRowsFile(tempDir())).rejects.toMatchObject({code: 'DCB_PREDICT_ROWS', message: expect.stringMatching(/not a regular file/)})
  })
})
