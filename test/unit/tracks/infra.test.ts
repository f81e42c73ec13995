import {describe, expect, it} from 'vitest'

import type {DcbError} from '../../../src/errors.js'
import {getRecipe, INFRA_FIELDS, parseOverridePairs, resolveInfra} from '../../../src/tracks/index.js'

const small = getRecipe({benchmark: 'datacomp', scale: 'small'})
const dclm400m = getRecipe({benchmark: 'dclm', scale: '400m-1x'})

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return (error as DcbError).code
  }
  return 'no error'
}

describe('per-run overrides', () => {
  it('default: one device holds the whole global batch (DCLM keeps its reference accumulation)', () => {
    expect(resolveInfra(small)).toEqual({gpus_per_node: 1, nodes: 1, per_device_batch_size: 4096, grad_accum: 1, global_batch_size: 4096})
    expect(resolveInfra(dclm400m)).toEqual({gpus_per_node: 1, nodes: 1, per_device_batch_size: 64, grad_accum: 8, global_batch_size: 512})
  })

  it('spreads the global batch over GPUs, nodes and accumulation, keeping it identical', () => {
    const plan = resolveInfra(small, {gpus_per_node: '8', nodes: '2', grad_accum: 2})
    expect(plan.per_device_batch_size).toBe(128)
    expect(plan.gpus_per_node * plan.nodes * plan.per_device_batch_size * plan.grad_accum).toBe(4096)
    expect(resolveInfra(small, {gpus_per_node: 4, per_device_batch_size: 256}).grad_accum).toBe(4)
  })

  it('refuses a split that changes the global batch', () => {
    expect(codeOf(() => resolveInfra(small, {gpus_per_node: 3}))).toBe('DCB_GLOBAL_BATCH')
    expect(codeOf(() => resolveInfra(small, {gpus_per_node: 8, per_device_batch_size: 256, grad_accum: 1}))).toBe('DCB_GLOBAL_BATCH')
    expect(codeOf(() => resolveInfra(small, {nodes: 0}))).toBe('DCB_INFRA_VALUE')
    expect(codeOf(() => resolveInfra(small, {nodes: '1.5'}))).toBe('DCB_INFRA_VALUE')
  })

  it('refuses every frozen field, naming it', () => {
    for (const recipe of [small, dclm400m]) {
      for (const field of [...Object.keys(recipe.recipe), ...Object.keys(recipe.derived)]) {
        expect(() => resolveInfra(recipe, {[field]: 1})).toThrow(new RegExp(`^${field} is frozen by the ${recipe.benchmark} ${recipe.scale} recipe`))
      }
    }
  })

  it('refuses unknown fields and lists the allowed ones', () => {
    expect(() => resolveInfra(small, {learning_rate: 1})).toThrow(`unknown override 'learning_rate' for datacomp small; only ${INFRA_FIELDS.join(', ')} may vary per run`)
  })

  it('refuses object-model keys and a key given twice, rather than dropping or overwriting them', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(() => resolveInfra(small, parseOverridePairs([`${key}=1`]))).toThrow(`unknown override '${key}' for datacomp small`)
    }
    expect(() => parseOverridePairs(['nodes=1', 'nodes=2'])).toThrow("override 'nodes' is given twice ('nodes=1', 'nodes=2')")
  })

  it('parses key=value pairs', () => {
    expect(parseOverridePairs(['nodes=2', ' gpus_per_node = 8 '])).toEqual({nodes: '2', gpus_per_node: '8'})
    expect(codeOf(() => parseOverridePairs(['nodes']))).toBe('DCB_OVERRIDE_SYNTAX')
  })
})
