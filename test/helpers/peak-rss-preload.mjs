// Preloaded (node --import) into a process whose memory a test bounds: at exit it writes the process's
// peak resident set size, in bytes, to $DCBENCH_TEST_PEAK_RSS_FILE (worker threads included — they share
// the process). Plain JavaScript so it needs no loader of its own.
import {writeFileSync} from 'node:fs'
import process from 'node:process'

const out = process.env.DCBENCH_TEST_PEAK_RSS_FILE
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS * 1024)))
