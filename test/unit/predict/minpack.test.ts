import {describe, expect, it} from 'vitest'

import {curveFit} from '../../../src/predict/curve-fit.js'
import {enorm} from '../../../src/predict/minpack/linear.js'
import {lmdif} from '../../../src/predict/minpack/lmdif.js'

// Known solutions: closed-form linear least squares, Rosenbrock's minimum, an exactly representable
// exponential, and MINPACK's Jennrich–Sampson problem (its published minimum sum of squares).
describe('MINPACK lmdif port', () => {
  it('enorm is the Euclidean norm, also for tiny and huge components', () => {
    expect(enorm(3, [3, 4, 12])).toBe(13)
    expect(enorm(2, [3e-200, 4e-200])).toBeCloseTo(5e-200, 210)
    expect(enorm(2, [3e200, 4e200]) / 5e200).toBeCloseTo(1, 14)
    expect(enorm(0, [])).toBe(0)
  })

  it('fits a straight line to the closed-form least-squares solution', () => {
    const xs = [0, 1, 2, 3, 4, 5]
    const ys = [1.1, 2.9, 5.2, 7.1, 8.8, 11.3]
    const n = xs.length
    const mx = xs.reduce((a, b) => a + b) / n
    const my = ys.reduce((a, b) => a + b) / n
    const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0)
    const intercept = my - slope * mx
    const fit = curveFit((p, i) => p[0]! + p[1]! * xs[i]!, ys, {parameters: 2, maxfev: 1000})
    expect(fit.converged).toBe(true)
    expect(fit.params[0]).toBeCloseTo(intercept, 9)
    expect(fit.params[1]).toBeCloseTo(slope, 9)
  })

  it("finds Rosenbrock's minimum (1, 1) from the standard start (-1.2, 1)", () => {
    const result = lmdif((x, out) => {
      out[0] = 10 * (x[1]! - x[0]! ** 2)
      out[1] = 1 - x[0]!
    }, 2, [-1.2, 1], {maxfev: 1000})
    expect(result.info).toBeGreaterThanOrEqual(1)
    expect(result.info).toBeLessThanOrEqual(4)
    expect(result.x[0]).toBeCloseTo(1, 10)
    expect(result.x[1]).toBeCloseTo(1, 10)
  })

  it('recovers the parameters of noise-free exponential data', () => {
    const ts = Array.from({length: 12}, (_, i) => i * 0.5)
    const ys = ts.map((t) => 0.3 + 2 * Math.exp(-0.7 * t))
    const fit = curveFit((p, i) => p[2]! + p[0]! * Math.exp(-p[1]! * ts[i]!), ys, {parameters: 3, maxfev: 10_000})
    expect(fit.converged).toBe(true)
    expect(fit.params[0]).toBeCloseTo(2, 9)
    expect(fit.params[1]).toBeCloseTo(0.7, 9)
    expect(fit.params[2]).toBeCloseTo(0.3, 9)
  })

  it("reaches the Jennrich–Sampson minimum (MINPACK test problem 13: sum of squares 124.362 at x ≈ 0.2578)", () => {
    // f_i(x) = 2 + 2i − (exp(i·x1) + exp(i·x2)), i = 1..10, start (0.3, 0.4); Moré, Garbow & Hillstrom 1981
    const result = lmdif((x, out) => {
      for (let i = 1; i <= 10; i++) out[i - 1] = 2 + 2 * i - (Math.exp(i * x[0]!) + Math.exp(i * x[1]!))
    }, 10, [0.3, 0.4], {maxfev: 2000})
    const ssr = result.fvec.reduce((s, r) => s + r * r, 0)
    expect(result.info).toBeLessThanOrEqual(4)
    expect(ssr).toBeCloseTo(124.362, 3)
    expect(Math.min(result.x[0]!, result.x[1]!)).toBeCloseTo(0.2578, 4)
    expect(Math.max(result.x[0]!, result.x[1]!)).toBeCloseTo(0.2578, 4)
  })

  it('reports running out of evaluations as not converged (info 5), as curve_fit would raise', () => {
    const ts = Array.from({length: 12}, (_, i) => i * 0.5)
    const ys = ts.map((t) => 0.3 + 2 * Math.exp(-0.7 * t))
    const fit = curveFit((p, i) => p[2]! + p[0]! * Math.exp(-p[1]! * ts[i]!), ys, {p0: [50, 20, -40], maxfev: 8})
    expect(fit.info).toBe(5)
    expect(fit.converged).toBe(false)
  })

  it('refuses fewer residuals than parameters', () => {
    expect(() => lmdif(() => {}, 1, [1, 2], {maxfev: 10})).toThrow(/improper input/)
  })
})
