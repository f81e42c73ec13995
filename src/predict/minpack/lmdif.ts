/*!
 * The routines in this folder are a TypeScript translation of MINPACK, and carry its notice:
 *
 * Minpack Copyright Notice (1999) University of Chicago.  All rights reserved
 *
 * Redistribution and use in source and binary forms, with or
 * without modification, are permitted provided that the
 * following conditions are met:
 *
 * 1. Redistributions of source code must retain the above
 * copyright notice, this list of conditions and the following
 * disclaimer.
 *
 * 2. Redistributions in binary form must reproduce the above
 * copyright notice, this list of conditions and the following
 * disclaimer in the documentation and/or other materials
 * provided with the distribution.
 *
 * 3. The end-user documentation included with the
 * redistribution, if any, must include the following
 * acknowledgment:
 *
 *    "This product includes software developed by the
 *    University of Chicago, as Operator of Argonne National
 *    Laboratory.
 *
 * Alternately, this acknowledgment may appear in the software
 * itself, if and wherever such third-party acknowledgments
 * normally appear.
 *
 * 4. WARRANTY DISCLAIMER. THE SOFTWARE IS SUPPLIED "AS IS"
 * WITHOUT WARRANTY OF ANY KIND. THE COPYRIGHT HOLDER, THE
 * UNITED STATES, THE UNITED STATES DEPARTMENT OF ENERGY, AND
 * THEIR EMPLOYEES: (1) DISCLAIM ANY WARRANTIES, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO ANY IMPLIED WARRANTIES
 * OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE, TITLE
 * OR NON-INFRINGEMENT, (2) DO NOT ASSUME ANY LEGAL LIABILITY
 * OR RESPONSIBILITY FOR THE ACCURACY, COMPLETENESS, OR
 * USEFULNESS OF THE SOFTWARE, (3) DO NOT REPRESENT THAT USE OF
 * THE SOFTWARE WOULD NOT INFRINGE PRIVATELY OWNED RIGHTS, (4)
 * DO NOT WARRANT THAT THE SOFTWARE WILL FUNCTION
 * UNINTERRUPTED, THAT IT IS ERROR-FREE OR THAT ANY ERRORS WILL
 * BE CORRECTED.
 *
 * 5. LIMITATION OF LIABILITY. IN NO EVENT WILL THE COPYRIGHT
 * HOLDER, THE UNITED STATES, THE UNITED STATES DEPARTMENT OF
 * ENERGY, OR THEIR EMPLOYEES: BE LIABLE FOR ANY INDIRECT,
 * INCIDENTAL, CONSEQUENTIAL, SPECIAL OR PUNITIVE DAMAGES OF
 * ANY KIND OR NATURE, INCLUDING BUT NOT LIMITED TO LOSS OF
 * PROFITS OR LOSS OF DATA, FOR ANY REASON WHATSOEVER, WHETHER
 * SUCH LIABILITY IS ASSERTED ON THE BASIS OF CONTRACT, TORT
 * (INCLUDING NEGLIGENCE OR STRICT LIABILITY), OR OTHERWISE,
 * EVEN IF ANY OF SAID PARTIES HAS BEEN WARNED OF THE
 * POSSIBILITY OF SUCH LOSS OR DAMAGES.
 */
import {enorm, EPSMCH, lmpar, qrfac} from './linear.js'

/**
 * MINPACK's `lmdif` (Moré's trust-region Levenberg–Marquardt with a forward-difference Jacobian),
 * ported line by line from the Fortran: what scipy.optimize.leastsq — and so `curve_fit` without
 * bounds — runs. See linear.ts for why a port rather than a library.
 */

/** The residual function: writes the m residuals at `x` into `out`. */
export type Residuals = (x: Float64Array, out: Float64Array) => void

export interface LmdifOptions {
  /** Relative reduction of the sum of squares below which the fit has converged (scipy: 1.49012e-8). */
  ftol?: number
  /** Relative change of the parameters below which the fit has converged (scipy: 1.49012e-8). */
  xtol?: number
  /** Largest cosine between residuals and Jacobian columns counted as converged (scipy: 0). */
  gtol?: number
  /** Most residual evaluations; curve_fit passes its maxfev (Gadre et al.: 10,000). */
  maxfev: number
  /** The relative error of the residuals; the difference step is sqrt(max(epsfcn, eps))·|x| (scipy: eps). */
  epsfcn?: number
  /** Initial trust radius as a multiple of the scaled start (scipy: 100). */
  factor?: number
}

/**
 * MINPACK's `info`: 1–4 converged (1 sum of squares, 2 parameters, 3 both, 4 gradient orthogonal to
 * the residuals); 5 maxfev reached; 6–8 a tolerance too small to improve further. scipy's curve_fit
 * accepts 1–4 and raises "Optimal parameters not found" for the rest.
 */
export type LmdifInfo = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8

export interface LmdifResult {
  x: Float64Array
  /** The residuals at x. */
  fvec: Float64Array
  info: LmdifInfo
  /** Residual evaluations used. */
  nfev: number
}

/** MINPACK's messages for `info`, as scipy's leastsq words them. */
export const LMDIF_MESSAGES: Record<LmdifInfo, string> = {
  1: 'Both actual and predicted relative reductions in the sum of squares are at most ftol',
  2: 'The relative error between two consecutive iterates is at most xtol',
  3: 'Both actual and predicted relative reductions in the sum of squares are at most ftol and the relative error between two consecutive iterates is at most xtol',
  4: 'The cosine of the angle between func(x) and any column of the Jacobian is at most gtol in absolute value',
  5: 'Number of calls to function has reached maxfev',
  6: 'ftol is too small. No further reduction in the sum of squares is possible.',
  7: 'xtol is too small. No further improvement in the approximate solution x is possible.',
  8: 'gtol is too small. func(x) is orthogonal to the columns of the Jacobian to machine precision.',
}

/** scipy's default ftol and xtol: sqrt of the double epsilon, as leastsq writes it. */
export const SCIPY_TOL = 1.49012e-8

/**
 * Minimises the sum of squares of `m` residuals over the parameters, from `x0` (MINPACK lmdif with
 * mode 1: variables scaled by the column norms of the Jacobian). Needs m ≥ n ≥ 1 (the caller checks).
 */
export function lmdif(fcn: Residuals, m: number, x0: ArrayLike<number>, options: LmdifOptions): LmdifResult {
  const n = x0.length
  const ftol = options.ftol ?? SCIPY_TOL
  const xtol = options.xtol ?? SCIPY_TOL
  const gtol = options.gtol ?? 0
  const factor = options.factor ?? 100
  const epsfcn = options.epsfcn ?? EPSMCH
  const maxfev = options.maxfev
  if (!(n > 0 && m >= n && ftol >= 0 && xtol >= 0 && gtol >= 0 && maxfev > 0 && factor > 0)) {
    throw new RangeError(`lmdif: improper input (m=${m}, n=${n})`)
  }
  const x = Float64Array.from(x0)
  const fvec = new Float64Array(m)
  const fjac = new Float64Array(m * n)
  const ipvt = new Int32Array(n)
  const diag = new Float64Array(n)
  const qtf = new Float64Array(n)
  const wa1 = new Float64Array(n)
  const wa2 = new Float64Array(n)
  const wa3 = new Float64Array(n)
  const wa4 = new Float64Array(m)

  fcn(x, fvec)
  let nfev = 1
  let fnorm = enorm(m, fvec)
  let par = 0
  let iter = 1
  let delta = 0
  let xnorm = 0
  const done = (info: LmdifInfo): LmdifResult => ({x, fvec, info, nfev})

  for (;;) {
    fdjac2(fcn, m, n, x, fvec, fjac, epsfcn, wa4)
    nfev += n
    qrfac(m, n, fjac, ipvt, wa1, wa2, wa3)
    if (iter === 1) {
      // scale by the norms of the columns of the initial Jacobian, and set the first trust radius
      for (let j = 0; j < n; j++) diag[j] = wa2[j] === 0 ? 1 : wa2[j]!
      for (let j = 0; j < n; j++) wa3[j] = diag[j]! * x[j]!
      xnorm = enorm(n, wa3)
      delta = factor * xnorm
      if (delta === 0) delta = factor
    }
    // (Q transpose)·fvec into qtf
    wa4.set(fvec)
    for (let j = 0; j < n; j++) {
      const ajj = fjac[j + j * m]!
      if (ajj !== 0) {
        let sum = 0
        for (let i = j; i < m; i++) sum += fjac[i + j * m]! * wa4[i]!
        const temp = -sum / ajj
        for (let i = j; i < m; i++) wa4[i]! += fjac[i + j * m]! * temp
      }
      fjac[j + j * m] = wa1[j]!
      qtf[j] = wa4[j]!
    }
    // the norm of the scaled gradient
    let gnorm = 0
    if (fnorm !== 0) {
      for (let j = 0; j < n; j++) {
        const l = ipvt[j]!
        if (wa2[l] !== 0) {
          let sum = 0
          for (let i = 0; i <= j; i++) sum += fjac[i + j * m]! * (qtf[i]! / fnorm)
          gnorm = Math.max(gnorm, Math.abs(sum / wa2[l]!))
        }
      }
    }
    if (gnorm <= gtol) return done(4)
    for (let j = 0; j < n; j++) diag[j] = Math.max(diag[j]!, wa2[j]!)

    for (;;) {
      par = lmpar(n, fjac, m, ipvt, diag, qtf, delta, par, wa1, wa2, wa3, wa4)
      // the step p = -wa1, the trial point x + p in wa2, the norm of the scaled step
      for (let j = 0; j < n; j++) {
        wa1[j] = -wa1[j]!
        wa2[j] = x[j]! + wa1[j]!
        wa3[j] = diag[j]! * wa1[j]!
      }
      const pnorm = enorm(n, wa3)
      if (iter === 1) delta = Math.min(delta, pnorm)
      fcn(wa2, wa4)
      nfev++
      const fnorm1 = enorm(m, wa4)
      // the scaled actual and predicted reductions and the directional derivative
      let actred = -1
      if (0.1 * fnorm1 < fnorm) actred = 1 - (fnorm1 / fnorm) ** 2
      for (let j = 0; j < n; j++) {
        wa3[j] = 0
        const temp = wa1[ipvt[j]!]!
        for (let i = 0; i <= j; i++) wa3[i]! += fjac[i + j * m]! * temp
      }
      const temp1 = enorm(n, wa3) / fnorm
      const temp2 = (Math.sqrt(par) * pnorm) / fnorm
      const prered = temp1 * temp1 + (temp2 * temp2) / 0.5
      const dirder = -(temp1 * temp1 + temp2 * temp2)
      const ratio = prered !== 0 ? actred / prered : 0
      // update the trust radius
      if (ratio <= 0.25) {
        let temp = actred >= 0 ? 0.5 : (0.5 * dirder) / (dirder + 0.5 * actred)
        if (0.1 * fnorm1 >= fnorm || temp < 0.1) temp = 0.1
        delta = temp * Math.min(delta, pnorm / 0.1)
        par /= temp
      } else if (par === 0 || ratio >= 0.75) {
        delta = pnorm / 0.5
        par *= 0.5
      }
      if (ratio >= 0.0001) {
        // a successful iteration
        for (let j = 0; j < n; j++) {
          x[j] = wa2[j]!
          wa2[j] = diag[j]! * x[j]!
        }
        fvec.set(wa4)
        xnorm = enorm(n, wa2)
        fnorm = fnorm1
        iter++
      }
      const fConverged = Math.abs(actred) <= ftol && prered <= ftol && 0.5 * ratio <= 1
      const xConverged = delta <= xtol * xnorm
      if (fConverged && xConverged) return done(3)
      if (xConverged) return done(2)
      if (fConverged) return done(1)
      if (nfev >= maxfev) return done(5)
      if (Math.abs(actred) <= EPSMCH && prered <= EPSMCH && 0.5 * ratio <= 1) return done(6)
      if (delta <= EPSMCH * xnorm) return done(7)
      if (gnorm <= EPSMCH) return done(8)
      if (ratio >= 0.0001) break
    }
  }
}

/**
 * The forward-difference Jacobian (MINPACK fdjac2): column j from a step of sqrt(max(epsfcn, eps))·|x_j|
 * (that times 1 where x_j is 0).
 */
function fdjac2(fcn: Residuals, m: number, n: number, x: Float64Array, fvec: Float64Array, fjac: Float64Array, epsfcn: number, wa: Float64Array): void {
  const eps = Math.sqrt(Math.max(epsfcn, EPSMCH))
  for (let j = 0; j < n; j++) {
    const temp = x[j]!
    let h = eps * Math.abs(temp)
    if (h === 0) h = eps
    x[j] = temp + h
    fcn(x, wa)
    x[j] = temp
    for (let i = 0; i < m; i++) fjac[i + j * m] = (wa[i]! - fvec[i]!) / h
  }
}
