import {DcbError} from '../../errors.js'
import type {TextTokenizer} from '../../tokenizers/index.js'
import {fewshotSampleIndices} from './fewshot.js'
import type {GenerationExample, IclDataset, LmExample, McExample, SchemaExample} from './icl-data.js'
import {PythonRandom} from './python-random.js'
import {pyRstrip} from './python-text.js'
import type {LmTask} from './suite.js'

/**
 * Prompt construction exactly as llm-foundry 0.9.0's ICL datasets build it (read at the v0.9.0 tag:
 * llmfoundry/eval/datasets/in_context_learning_evaluation.py and utils.py). The quirks are kept on
 * purpose, because they move scores:
 *
 * - few-shot examples are drawn per example with one `random.Random(fewshot_random_seed)` per dataset
 *   (per category part for has_categories tasks), in Python `set` order (fewshot.ts);
 * - the preamble (prompt string + few-shot examples) and the example's own context are tokenized
 *   **separately** and concatenated; the context is `rstrip`ped first (not for schema tasks);
 * - answers get a leading space when the tokenizer encodes " a" as one token (`prefix_space`) — but
 *   not inside few-shot examples, where the answer follows the continuation delimiter verbatim;
 * - schema tasks put the question prelimiter *before* the example delimiter, and the test example's
 *   context options get the continuation delimiter (rstripped) only when there is a preamble;
 * - contexts are cut from the left so context + continuation fit `max_seq_len` (`trim_context`);
 *   generation tasks reserve the longest answer (+10 tokens with a cot delimiter) for the output.
 */

/** The ICL settings prompt construction reads. */
export type PromptSettings = Pick<
  LmTask,
  'type' | 'numFewshot' | 'promptString' | 'exampleDelimiter' | 'continuationDelimiter' | 'questionPrelimiter' | 'cotDelimiter' | 'fewshotRandomSeed'
>

/** The strings one example is tokenized from. */
export interface PromptText {
  /** Prompt string + few-shot examples (tokenized with special tokens, as `tokenizer(text)`). */
  preamble: string
  /** The example's context(s), as tokenized (LM/MC/generation: one; schema: one per option). */
  contexts: string[]
  /** The scored continuation(s) (LM: one; MC: one per choice; schema: one; generation: none). */
  continuations: string[]
}

/** A token sequence scored from `contStart` on (the continuation is `tokens.slice(contStart)`). */
export interface ScoredSequence {
  tokens: number[]
  contStart: number
}

/** One example, tokenized and trimmed, ready for the model. */
export type PreparedExample =
  | {type: 'language_modeling'; sequence: ScoredSequence}
  | {type: 'multiple_choice' | 'schema'; choices: ScoredSequence[]; gold: number}
  | {type: 'generation_task_with_answers'; context: number[]; aliases: string[]}

/** A tokenized task (or one category part of it). */
export interface PreparedTask {
  examples: PreparedExample[]
  /** Generation tasks: llm-foundry's `max_new_tokens` (longest answer in tokens, +10 with a cot delimiter). */
  maxNewTokens?: number
}

/** `tokenizer_needs_prefix_space`: " a" is a single token (GPT-2 style BPE). */
export function needsPrefixSpace(tokenizer: TextTokenizer): boolean {
  return tokenizer.encode(' a', {addSpecialTokens: false}).length === 1
}

/** Builds the prompt strings of every example of a dataset, in order (one few-shot sampler for all). */
export function buildPromptTexts(dataset: IclDataset, settings: PromptSettings, prefixSpace: boolean): PromptText[] {
  if (dataset.type !== settings.type) throw new DcbError('DCB_ICL_DATA', `dataset is ${dataset.type}, task is ${settings.type}`)
  const s = settings
  const examples = dataset.examples as unknown[]
  const rng = new PythonRandom(s.fewshotRandomSeed)
  const hasCot = dataset.type === 'generation_task_with_answers' && dataset.hasCot
  const withSpace = (text: string): string => (prefixSpace && !text.startsWith(' ') ? ` ${text}` : text)

  // InContextLearningDataset.construct_context (schema overrides it; see below)
  const construct = (example: unknown, preceding: string, addAnswer: boolean): string => {
    if (dataset.type === 'schema') {
      const e = example as SchemaExample
      let context = e.context_options[e.gold]!
      if (preceding.length > 0) context = `${s.exampleDelimiter}${context}`
      return `${s.questionPrelimiter}${context}${s.continuationDelimiter}${e.continuation}`
    }
    let ctxt = `${s.questionPrelimiter}${contextOf(example)}`
    if (preceding.length > 0) ctxt = `${s.exampleDelimiter}${ctxt}`
    ctxt = `${ctxt}${s.continuationDelimiter}`
    if (addAnswer) ctxt = `${ctxt}${inContextAnswer(example)}`
    return ctxt
  }
  const contextOf = (example: unknown): string => (dataset.type === 'multiple_choice' ? (example as McExample).query : (example as LmExample | GenerationExample).context)
  const inContextAnswer = (example: unknown): string => {
    switch (dataset.type) {
      case 'language_modeling':
        return (example as LmExample).continuation
      case 'multiple_choice': {
        const e = example as McExample
        return e.choices[e.gold]!
      }
      case 'generation_task_with_answers': {
        const e = example as GenerationExample
        return hasCot ? `${e.chain_of_thought}${s.cotDelimiter}${e.answer}` : e.answer
      }
      case 'schema':
        throw new Error('unreachable: schema examples carry their answer in construct')
    }
  }

  return examples.map((example, index) => {
    let preamble = s.promptString
    if (s.numFewshot > 0) {
      for (const i of fewshotSampleIndices(examples.length, s.numFewshot, index, rng)) preamble += construct(examples[i], preamble, true)
    }
    switch (dataset.type) {
      case 'schema': {
        const e = example as SchemaExample
        const contDelim = pyRstrip(s.continuationDelimiter)
        const contexts = preamble.length > 0 ? e.context_options.map((c) => `${s.questionPrelimiter}${s.exampleDelimiter}${c}${contDelim}`) : e.context_options.map((c) => `${s.questionPrelimiter}${c}`)
        return {preamble, contexts, continuations: [withSpace(e.continuation)]}
      }
      case 'language_modeling':
        return {preamble, contexts: [pyRstrip(construct(example, preamble, false))], continuations: [withSpace((example as LmExample).continuation)]}
      case 'multiple_choice':
        return {preamble, contexts: [pyRstrip(construct(example, preamble, false))], continuations: (example as McExample).choices.map(withSpace)}
      case 'generation_task_with_answers':
        return {preamble, contexts: [pyRstrip(construct(example, preamble, false))], continuations: []}
    }
  })
}

export interface PrepareTaskOptions {
  tokenizer: TextTokenizer
  /** The model's longest input (llm-foundry's `max_seq_len`). */
  maxSeqLen: number
  /** Dropped from the end of a tokenized preamble (`_fix_eos_on_preamble`), if the tokenizer added it. */
  eosTokenId?: number
  /** Label for messages. */
  source?: string
}

/** Tokenizes and trims every example of a dataset into model inputs. */
export function prepareTask(dataset: IclDataset, settings: PromptSettings, options: PrepareTaskOptions): PreparedTask {
  const {tokenizer} = options
  const prefixSpace = needsPrefixSpace(tokenizer)
  const texts = buildPromptTexts(dataset, settings, prefixSpace)
  const encode = (text: string): number[] => tokenizer.encode(text, {addSpecialTokens: false})
  const preambleIds = (text: string): number[] => {
    const ids = tokenizer.encode(text, {addSpecialTokens: true})
    return options.eosTokenId !== undefined && ids.length > 1 && ids.at(-1) === options.eosTokenId ? ids.slice(0, -1) : ids
  }
  const source = options.source ?? 'task'
  const sequence = (context: number[], continuation: number[], size: number): ScoredSequence => {
    const trimmed = trimContext(context, continuation, size, source)
    return {tokens: [...trimmed, ...continuation], contStart: trimmed.length}
  }

  if (dataset.type === 'generation_task_with_answers') {
    // _get_max_answer_length: over the raw (unstripped) answers and aliases, tokenized with special tokens
    let longest = 0
    dataset.examples.forEach((e, i) => {
      for (const answer of e.aliases) {
        const response = dataset.hasCot ? `${dataset.rawCot[i]}${settings.cotDelimiter}${answer}` : answer
        longest = Math.max(longest, tokenizer.encode(response, {addSpecialTokens: true}).length)
      }
    })
    const maxAnswerLength = longest + (settings.cotDelimiter.length > 0 ? 10 : 0)
    const maxSeqLen = Math.max(options.maxSeqLen, maxAnswerLength)
    const paddingSize = maxSeqLen - maxAnswerLength
    return {
      maxNewTokens: Math.max(maxAnswerLength, 1),
      examples: texts.map((t, i) => ({
        type: 'generation_task_with_answers',
        context: trimContext([...preambleIds(t.preamble), ...encode(t.contexts[0]!)], [], paddingSize, source),
        aliases: dataset.examples[i]!.aliases,
      })),
    }
  }
  return {
    examples: texts.map((t, i): PreparedExample => {
      const preamble = preambleIds(t.preamble)
      switch (dataset.type) {
        case 'language_modeling':
          return {type: 'language_modeling', sequence: sequence([...preamble, ...encode(t.contexts[0]!)], encode(t.continuations[0]!), options.maxSeqLen)}
        case 'multiple_choice': {
          const context = [...preamble, ...encode(t.contexts[0]!)]
          return {type: 'multiple_choice', gold: dataset.examples[i]!.gold, choices: t.continuations.map((c) => sequence(context, encode(c), options.maxSeqLen))}
        }
        case 'schema': {
          const continuation = encode(t.continuations[0]!)
          return {type: 'schema', gold: dataset.examples[i]!.gold, choices: t.contexts.map((c) => sequence([...preamble, ...encode(c)], continuation, options.maxSeqLen))}
        }
      }
    }),
  }
}

/**
 * llm-foundry's `trim_context`: keeps the last `maxSeqLen − len(continuation)` context tokens when
 * both do not fit. Python slicing semantics included (`x[-0:]` is the whole list).
 */
export function trimContext(context: number[], continuation: readonly number[], maxSeqLen: number, source = 'task'): number[] {
  if (continuation.length + context.length <= maxSeqLen) return context
  const keep = maxSeqLen - continuation.length
  if (keep < 0) throw new DcbError('DCB_ICL_DATA', `${source}: a continuation of ${continuation.length} tokens is longer than the model's ${maxSeqLen}-token context`)
  return keep === 0 ? context : context.slice(-keep)
}
