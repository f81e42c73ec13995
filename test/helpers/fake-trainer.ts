import {createHash} from 'node:crypto'
import {chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {execa} from 'execa'

import {defaultVocabPath} from '../../src/eval/clip/tokenizer.js'
import {shippedTokenizerFile} from '../../src/tokenizers/index.js'
import {dataComp, dclm} from '../../src/benchmarks/builtins.js'
import {recipeOf} from '../../src/tracks/index.js'
import {repoRoot} from './cli.js'
import {referencePython, referencePythonInfo} from './python.js'

/**
 * A fake trainer (test/fixtures/fake-trainer: a python package named dcbench_trainers that honours
 * the container contract without training) for testing the executors, and an image holding it with
 * the host's python3 — made offline by `docker import` of a root filesystem copied from this host.
 *
 * Both outlive a test run: the folder in $TMPDIR, the image in the Docker engine. Each is named by a
 * hash of everything it is made from (`FakeTrainersInputs`, `FakeImageInputs`), so a change to any
 * input — a recipe number, the tokenizer, a fixture file, this helper, python or torch — names a new
 * folder or image instead of reusing one built from other inputs.
 */

const FIXTURE = join(repoRoot, 'test/fixtures/fake-trainer')
/** This file: how the folder and the image are put together is an input of both. */
const HELPER = fileURLToPath(import.meta.url)
/** Written last into the trainers folder: what it was made from (and the proof that it is complete). */
const INPUTS_FILE = 'inputs.json'
/** What the image copies of the host's python: its standard library minus what no trainer imports. */
const STDLIB_EXCLUDED = /\/(dist-packages|site-packages|test|tests|__pycache__|idlelib|tkinter|ensurepip)(\/|$)/
/** The image's configuration (`docker import --change`). */
const IMAGE_CHANGES = ['ENV PYTHONPATH=/opt/dcbench/trainers', 'ENV PYTHONDONTWRITEBYTECODE=1', 'CMD ["python3", "-m", "dcbench_trainers"]']

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

function fileHash(path: string): string {
  return sha256(readFileSync(path))
}

/**
 * sha256 over the lines `<sha256 of the file, or "-> link target">  <path under dir>\n` of every file
 * and symbolic link under `dir` (what cpSync copies) that `keep` accepts, sorted by path.
 */
function treeHash(dir: string, keep: (path: string) => boolean = () => true): string {
  const lines: string[] = []
  const walk = (sub: string): void => {
    for (const name of readdirSync(sub)) {
      const path = join(sub, name)
      if (!keep(path)) continue
      const stat = lstatSync(path)
      if (stat.isDirectory()) walk(path)
      else lines.push(`${stat.isSymbolicLink() ? `-> ${readlinkSync(path)}` : fileHash(path)}  ${relative(dir, path)}\n`)
    }
  }
  walk(dir)
  return sha256(lines.sort().join(''))
}

/** The cache key of a set of inputs: the first 16 hex digits of the sha256 of their JSON. */
function keyOf(inputs: object): string {
  return sha256(JSON.stringify(inputs)).slice(0, 16)
}

/** Everything the fake trainers folder is made from; the folder records it as inputs.json. */
interface FakeTrainersInputs {
  /** sha256 of this helper. */
  helper: string
  /** treeHash of test/fixtures/fake-trainer (the package and make_models.py). */
  fixture: string
  /** make_models.py's numbers, from the tiny datacomp and dclm recipes, in its argument order. */
  models: {embed_dim: number; image_size: number; vocab_size: number; seq_len: number}
  /** sha256 of the CLIP BPE vocabulary and of the tiny world's tokenizer.json it copies into the models. */
  clip_vocab: string
  tokenizer: string
  /**
   * The interpreter that runs make_models.py. torch decides the ONNX bytes (its exporter, the opset
   * lowering, the initial weights drawn from seed 0) and may refuse the script outright, so a folder
   * made by another python or torch is not what this host would make. Its sys.executable, the sha256
   * of the binary behind it, sys.version (with its build date) and torch.__version__.
   */
  python: {executable: string; sha256: string; version: string; torch: string}
}

/** The tiny recipes whose numbers make_models.py bakes in, and the tokenizer file the dclm one names. */
function tinyRecipes() {
  const clip = recipeOf(dataComp, 'tiny')
  const lm = recipeOf(dclm, 'tiny')
  const tokenizer = shippedTokenizerFile(lm.recipe.tokenizer)
  if (!tokenizer) throw new Error(`the tiny dclm recipe's tokenizer ${lm.recipe.tokenizer} does not ship with dcbench`)
  return {clip: clip.recipe, lm: lm.recipe, tokenizer}
}

async function fakeTrainersInputs(): Promise<FakeTrainersInputs> {
  const {clip, lm, tokenizer} = tinyRecipes()
  const python = await referencePythonInfo()
  // sys.executable, not the path we were given: that may be a name on PATH or a pyenv shim script
  const [executable, version] = JSON.parse((await execa(python.path, ['-c', 'import json, sys; print(json.dumps([sys.executable, sys.version]))'])).stdout) as [string, string]
  return {
    helper: fileHash(HELPER),
    fixture: treeHash(FIXTURE, (path) => !path.endsWith('/__pycache__')),
    models: {embed_dim: clip.model_config.embed_dim, image_size: clip.model_config.image_size, vocab_size: lm.model_config.vocab_size, seq_len: lm.model_config.seq_len},
    clip_vocab: fileHash(defaultVocabPath()),
    tokenizer: fileHash(tokenizer),
    python: {executable, sha256: fileHash(realpathSync(executable)), version, torch: python.torch as string},
  }
}

/** Builds in progress in this process, by key: concurrent callers share one build. */
const building = new Map<string, Promise<unknown>>()

function once<T>(key: string, build: () => Promise<T>): Promise<T> {
  let promise = building.get(key) as Promise<T> | undefined
  if (!promise) {
    promise = build().finally(() => building.delete(key))
    building.set(key, promise)
  }
  return promise
}

/** The trainers folder for the current inputs and its key; made when missing. */
async function ensureFakeTrainers(): Promise<{dir: string; key: string}> {
  const inputs = await fakeTrainersInputs()
  const key = keyOf(inputs)
  const dir = join(tmpdir(), `dcbench-fake-trainers-${key}`)
  if (!existsSync(join(dir, INPUTS_FILE))) await once(dir, () => makeFakeTrainers(dir, inputs))
  return {dir, key}
}

/** Makes the trainers folder in a temp folder of its own, then renames it into place (other test processes may race). */
async function makeFakeTrainers(dir: string, inputs: FakeTrainersInputs): Promise<void> {
  const temp = mkdtempSync(`${dir}.tmp-`)
  // mkdtemp makes it 0700; the image copies it, and its trainer runs as a user other than root
  chmodSync(temp, 0o755)
  try {
    cpSync(join(FIXTURE, 'dcbench_trainers'), join(temp, 'dcbench_trainers'), {recursive: true, filter: (src) => !src.endsWith('/__pycache__')})
    const {embed_dim, image_size, vocab_size, seq_len} = inputs.models
    await execa(await referencePython(), [join(FIXTURE, 'make_models.py'), join(temp, 'dcbench_trainers'), defaultVocabPath(), tinyRecipes().tokenizer, ...[embed_dim, image_size, vocab_size, seq_len].map(String)])
    writeFileSync(join(temp, INPUTS_FILE), `${JSON.stringify(inputs, null, 2)}\n`)
    renameSync(temp, dir)
  } catch (error) {
    rmSync(temp, {recursive: true, force: true})
    if (!existsSync(join(dir, INPUTS_FILE))) throw error // else another process made it first
  }
}

/** A folder holding the fake `dcbench_trainers` package with its ONNX models (built once per set of inputs). */
export async function fakeTrainersDir(): Promise<string> {
  return (await ensureFakeTrainers()).dir
}

/** The files of this host that the image's root filesystem copies: /usr/bin/python3, its libraries and standard library. */
interface HostRootfs {
  /** The real python binary and its `pythonX.Y` version. */
  python: string
  version: string
  /** Shared libraries as ldd names them, and the real files they resolve to. */
  libs: {path: string; real: string}[]
  stdlib: string
}

async function hostRootfs(): Promise<HostRootfs> {
  const python = realpathSync('/usr/bin/python3')
  const version = /python(\d+\.\d+)$/.exec(python)?.[1]
  if (!version) throw new Error(`/usr/bin/python3 resolves to ${python}, not a pythonX.Y binary`)
  const libs = (await execa('ldd', [python])).stdout.split('\n').map((l) => /(\/\S+) \(0x/.exec(l)?.[1]).filter((p): p is string => Boolean(p))
  return {python, version, libs: libs.map((path) => ({path, real: realpathSync(path)})), stdlib: `/usr/lib/python${version}`}
}

/** Everything the fake trainer image is made from. */
interface FakeImageInputs {
  /** sha256 of this helper (the root filesystem's layout, IMAGE_CHANGES). */
  helper: string
  /** The key of the trainers folder it holds. */
  trainers: string
  /** sha256 of the python binary and of each library; treeHash of the standard library as copied. */
  python: string
  libs: {path: string; sha256: string}[]
  stdlib: string
}

function fakeImageInputs(trainers: string, host: HostRootfs): FakeImageInputs {
  return {
    helper: fileHash(HELPER),
    trainers,
    python: fileHash(host.python),
    libs: host.libs.map(({path, real}) => ({path, sha256: fileHash(real)})),
    stdlib: treeHash(host.stdlib, (path) => !STDLIB_EXCLUDED.test(path)),
  }
}

/** The fake trainer image: the host's python3 + standard library + the fake package; built when missing. */
export async function fakeTrainerImage(): Promise<string> {
  const {dir: trainers, key} = await ensureFakeTrainers()
  const host = await hostRootfs()
  const tag = `dcbench-test/fake-trainer:${keyOf(fakeImageInputs(key, host))}`
  const present = await execa('docker', ['image', 'inspect', tag], {reject: false})
  if (present.exitCode !== 0) await once(tag, () => importFakeTrainerImage(tag, trainers, host))
  return tag
}

/** `docker import` of a root filesystem holding the host's python and the trainers folder. */
async function importFakeTrainerImage(tag: string, trainers: string, host: HostRootfs): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dcbench-fake-rootfs-'))
  chmodSync(root, 0o755)
  try {
    const {python, version} = host
    for (const d of ['usr/bin', 'usr/lib/x86_64-linux-gnu', 'usr/lib64', 'tmp', 'opt/dcbench', 'proc', 'sys', 'dev', 'etc']) mkdirSync(join(root, d), {recursive: true})
    cpSync(python, join(root, 'usr/bin', `python${version}`))
    symlinkSync(`python${version}`, join(root, 'usr/bin/python3'))
    for (const link of ['lib', 'bin']) symlinkSync(`usr/${link}`, join(root, link))
    symlinkSync('usr/lib64', join(root, 'lib64'))
    for (const {path, real} of host.libs) {
      const target = join(root, path.replace(/^\/lib64\//, '/usr/lib64/').replace(/^\/lib\//, '/usr/lib/'))
      mkdirSync(join(target, '..'), {recursive: true})
      cpSync(real, target)
    }
    cpSync(host.stdlib, join(root, host.stdlib), {recursive: true, filter: (src) => !STDLIB_EXCLUDED.test(src)})
    cpSync(trainers, join(root, 'opt/dcbench/trainers'), {recursive: true})
    const tar = execa('tar', ['-C', root, '-c', '.'], {buffer: false})
    const imported = execa('docker', ['import', ...IMAGE_CHANGES.flatMap((change) => ['--change', change]), '-', tag])
    tar.stdout?.pipe(imported.stdin as NodeJS.WritableStream)
    await Promise.all([tar, imported])
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}
