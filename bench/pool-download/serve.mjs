// A loopback image host for bench/pool-download: serves the files of a folder on 127.0.0.1, in its
// own process so its CPU time is neither side's. Prints the port on stdout.
import {readFileSync, readdirSync} from 'node:fs'
import {createServer} from 'node:http'
import {join} from 'node:path'
import process from 'node:process'

const dir = process.argv[2]
const files = new Map(readdirSync(dir).map((name) => [`/${name}`, readFileSync(join(dir, name))]))
const server = createServer((request, response) => {
  const body = files.get(request.url ?? '')
  if (!body) return void response.writeHead(404).end()
  response.writeHead(200, {'Content-Type': 'image/jpeg', 'Content-Length': body.length}).end(body)
})
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
