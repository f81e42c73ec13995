import {createHash} from 'node:crypto'
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'

import {defaultVocabPath} from '../../src/eval/clip/tokenizer.js'
import {shippedTokenizerFile} from '../../src/tokenizers/index.js'
import {dataComp, dclm} from '../../src/benchmarks/builtins.js'
import {recipeOf} from '../../src/tracks/index.js'
import {repoRoot} from './cli.js'
import {referencePython} from './python.js'

/**
 * A fake trainer (test/fixtures/fake-trainer: a python package named dcbench_trainers that honours
 * the container contract without training) for testing the executors, and an image holding it with
 * the host's python3 — made offline by `docker import` of a root filesystem copied from this host.
 */

const FIXTURE = join(repoRoot, 'test/fixtures/fake-trainer')

function fixtureHash(): string {
  const hash = createHash('sha256')
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === '__pycache__') continue
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else hash.update(name).update(readFileSync(path))
    }
  }
  walk(FIXTURE)
  return hash.digest('hex').slice(0, 16)
}

/** A folder holding the fake `dcbench_trainers` package with its ONNX models (built once per fixture version). */
export async function fakeTrainersDir(): Promise<string> {
  const dir = join(tmpdir(), `dcbench-fake-trainers-${fixtureHash()}`)
  if (existsSync(join(dir, 'dcbench_trainers/model_lm/model.onnx'))) return dir
  const temp = `${dir}.${process.pid}.tmp`
  rmSync(temp, {recursive: true, force: true})
  cpSync(join(FIXTURE, 'dcbench_trainers'), join(temp, 'dcbench_trainers'), {recursive: true})
  const clip = recipeOf(dataComp, 'tiny')
  const lm = recipeOf(dclm, 'tiny')
  const c = clip.recipe.model_config
  const l = lm.recipe.model_config
  await execa(await referencePython(), [join(FIXTURE, 'make_models.py'), join(temp, 'dcbench_trainers'), defaultVocabPath(), shippedTokenizerFile('dcbench/tiny-world') as string,
    String(c.embed_dim), String(c.image_size), String(l.vocab_size), String(l.seq_len)])
  try {
    renameSync(temp, dir)
  } catch {
    rmSync(temp, {recursive: true, force: true}) // another worker made it first
  }
  return dir
}

/** The fake trainer image: the host's python3 + standard library + the fake package; built when missing. */
export async function fakeTrainerImage(): Promise<string> {
  const trainers = await fakeTrainersDir()
  const tag = `dcbench-test/fake-trainer:${fixtureHash()}`
  const present = await execa('docker', ['image', 'inspect', tag], {reject: false})
  if (present.exitCode === 0) return tag
  const root = join(tmpdir(), `dcbench-fake-rootfs-${process.pid}`)
  rmSync(root, {recursive: true, force: true})
  try {
    const python = (await execa('readlink', ['-f', '/usr/bin/python3'])).stdout
    const version = /python(\d+\.\d+)$/.exec(python)?.[1] as string
    for (const d of ['usr/bin', 'usr/lib/x86_64-linux-gnu', 'usr/lib64', 'tmp', 'opt/dcbench', 'proc', 'sys', 'dev', 'etc']) mkdirSync(join(root, d), {recursive: true})
    cpSync(python, join(root, 'usr/bin', `python${version}`))
    symlinkSync(`python${version}`, join(root, 'usr/bin/python3'))
    for (const link of ['lib', 'bin']) symlinkSync(`usr/${link}`, join(root, link))
    symlinkSync('usr/lib64', join(root, 'lib64'))
    const libs = (await execa('ldd', [python])).stdout.split('\n').map((l) => /(\/\S+) \(0x/.exec(l)?.[1]).filter((p): p is string => Boolean(p))
    for (const lib of libs) {
      const real = (await execa('readlink', ['-f', lib])).stdout
      const target = join(root, lib.replace(/^\/lib64\//, '/usr/lib64/').replace(/^\/lib\//, '/usr/lib/'))
      mkdirSync(join(target, '..'), {recursive: true})
      cpSync(real, target)
    }
    cpSync(`/usr/lib/python${version}`, join(root, `usr/lib/python${version}`), {
      recursive: true,
      filter: (src) => !/\/(dist-packages|site-packages|test|tests|__pycache__|idlelib|tkinter|ensurepip)(\/|$)/.test(src),
    })
    cpSync(trainers, join(root, 'opt/dcbench/trainers'), {recursive: true})
    const tar = execa('tar', ['-C', root, '-c', '.'], {buffer: false})
    const imported = execa('docker', ['import', '--change', 'ENV PYTHONPATH=/opt/dcbench/trainers', '--change', 'ENV PYTHONDONTWRITEBYTECODE=1', '--change', 'CMD ["python3", "-m", "dcbench_trainers"]', '-', tag])
    tar.stdout?.pipe(imported.stdin as NodeJS.WritableStream)
    await Promise.all([tar, imported])
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
  return tag
}
