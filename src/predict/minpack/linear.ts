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
/**
 * The linear algebra of MINPACK's Levenberg–Marquardt code (Moré, Garbow, Hillstrom, Argonne 1980),
 * ported line by line from its Fortran: `enorm`, `qrfac` (Householder QR with column pivoting),
 * `qrsolv` (the damped least-squares solve by Givens rotations) and `lmpar` (the Levenberg–Marquardt
 * parameter for a trust radius). scipy's `curve_fit` without bounds runs exactly these routines
 * (through `leastsq` → `lmdif`), which is why dcbench ports them rather than using another
 * Levenberg–Marquardt variant: the fits of Gadre et al. (spec dclm.md §9.2) are reproduced by the
 * same algorithm, step for step.
 *
 * Matrices are column-major Float64Arrays (element (i, j) of an m-row matrix at `i + j*m`), indices
 * 0-based; `ipvt` holds 0-based column numbers. Comments cite the Fortran where the port is not
 * obvious; the routines keep MINPACK's names so the two read side by side.
 */

/** The machine precision (MINPACK dpmpar(1)). */
export const EPSMCH = Number.EPSILON
/** The smallest positive normal double (MINPACK dpmpar(2)). */
const DWARF = 2.2250738585072014e-308

const RDWARF = 3.834e-20
const RGIANT = 1.304e19

/**
 * The Euclidean norm of `n` elements of `x` from `offset`, without destructive underflow or overflow
 * (MINPACK enorm: small, intermediate and large components summed separately).
 */
export function enorm(n: number, x: ArrayLike<number>, offset = 0): number {
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let x1max = 0
  let x3max = 0
  const agiant = RGIANT / n
  for (let i = 0; i < n; i++) {
    const xabs = Math.abs(x[offset + i]!)
    if (xabs > RDWARF && xabs < agiant) {
      s2 += xabs * xabs
    } else if (xabs <= RDWARF) {
      if (xabs <= x3max) {
        if (xabs !== 0) s3 += (xabs / x3max) ** 2
      } else {
        s3 = 1 + s3 * (x3max / xabs) ** 2
        x3max = xabs
      }
    } else if (xabs <= x1max) {
      s1 += (xabs / x1max) ** 2
    } else {
      s1 = 1 + s1 * (x1max / xabs) ** 2
      x1max = xabs
    }
  }
  if (s1 !== 0) return x1max * Math.sqrt(s1 + s2 / x1max / x1max)
  if (s2 === 0) return x3max * Math.sqrt(s3)
  if (s2 >= x3max) return Math.sqrt(s2 * (1 + (x3max / s2) * (x3max * s3)))
  return Math.sqrt(x3max * (s2 / x3max + x3max * s3))
}

/**
 * QR factorisation with column pivoting of the m×n matrix `a` (in place): on return the upper
 * triangle of `a` holds R without its diagonal, the lower trapezoid the Householder vectors, `rdiag`
 * R's diagonal, `acnorm` the column norms of the input, `ipvt` the permutation (MINPACK qrfac with
 * pivot = true).
 */
export function qrfac(m: number, n: number, a: Float64Array, ipvt: Int32Array, rdiag: Float64Array, acnorm: Float64Array, wa: Float64Array): void {
  for (let j = 0; j < n; j++) {
    acnorm[j] = enorm(m, a, j * m)
    rdiag[j] = acnorm[j]!
    wa[j] = rdiag[j]!
    ipvt[j] = j
  }
  const minmn = Math.min(m, n)
  for (let j = 0; j < minmn; j++) {
    // bring the column of largest norm into the pivot position
    let kmax = j
    for (let k = j; k < n; k++) if (rdiag[k]! > rdiag[kmax]!) kmax = k
    if (kmax !== j) {
      for (let i = 0; i < m; i++) {
        const temp = a[i + j * m]!
        a[i + j * m] = a[i + kmax * m]!
        a[i + kmax * m] = temp
      }
      rdiag[kmax] = rdiag[j]!
      wa[kmax] = wa[j]!
      const k = ipvt[j]!
      ipvt[j] = ipvt[kmax]!
      ipvt[kmax] = k
    }
    // the Householder transformation that reduces column j to a multiple of the j-th unit vector
    let ajnorm = enorm(m - j, a, j + j * m)
    if (ajnorm !== 0) {
      if (a[j + j * m]! < 0) ajnorm = -ajnorm
      for (let i = j; i < m; i++) a[i + j * m]! /= ajnorm
      a[j + j * m]! += 1
      for (let k = j + 1; k < n; k++) {
        let sum = 0
        for (let i = j; i < m; i++) sum += a[i + j * m]! * a[i + k * m]!
        const temp = sum / a[j + j * m]!
        for (let i = j; i < m; i++) a[i + k * m]! -= temp * a[i + j * m]!
        if (rdiag[k] !== 0) {
          const t = a[j + k * m]! / rdiag[k]!
          rdiag[k]! *= Math.sqrt(Math.max(0, 1 - t * t))
          if (0.05 * (rdiag[k]! / wa[k]!) ** 2 <= EPSMCH) {
            rdiag[k] = enorm(m - j - 1, a, j + 1 + k * m)
            wa[k] = rdiag[k]!
          }
        }
      }
    }
    rdiag[j] = -ajnorm
  }
}

/**
 * Solves a·x = b, d·x = 0 in the least-squares sense given the QR factorisation of a (MINPACK
 * qrsolv). `r` is n×n with leading dimension `ldr`; its strict lower triangle receives S (transposed),
 * `sdiag` S's diagonal.
 */
export function qrsolv(n: number, r: Float64Array, ldr: number, ipvt: Int32Array, diag: Float64Array, qtb: Float64Array, x: Float64Array, sdiag: Float64Array, wa: Float64Array): void {
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) r[i + j * ldr] = r[j + i * ldr]!
    x[j] = r[j + j * ldr]!
    wa[j] = qtb[j]!
  }
  // eliminate the diagonal matrix d with Givens rotations
  for (let j = 0; j < n; j++) {
    const l = ipvt[j]!
    if (diag[l] !== 0) {
      for (let k = j; k < n; k++) sdiag[k] = 0
      sdiag[j] = diag[l]!
      let qtbpj = 0
      for (let k = j; k < n; k++) {
        if (sdiag[k] === 0) continue
        const rkk = r[k + k * ldr]!
        let cos: number
        let sin: number
        if (Math.abs(rkk) >= Math.abs(sdiag[k]!)) {
          const tan = sdiag[k]! / rkk
          cos = 0.5 / Math.sqrt(0.25 + 0.25 * tan * tan)
          sin = cos * tan
        } else {
          const cotan = rkk / sdiag[k]!
          sin = 0.5 / Math.sqrt(0.25 + 0.25 * cotan * cotan)
          cos = sin * cotan
        }
        r[k + k * ldr] = cos * rkk + sin * sdiag[k]!
        const temp = cos * wa[k]! + sin * qtbpj
        qtbpj = -sin * wa[k]! + cos * qtbpj
        wa[k] = temp
        for (let i = k + 1; i < n; i++) {
          const t = cos * r[i + k * ldr]! + sin * sdiag[i]!
          sdiag[i] = -sin * r[i + k * ldr]! + cos * sdiag[i]!
          r[i + k * ldr] = t
        }
      }
    }
    sdiag[j] = r[j + j * ldr]!
    r[j + j * ldr] = x[j]!
  }
  // solve the triangular system; a singular one gets a least-squares solution
  let nsing = n
  for (let j = 0; j < n; j++) {
    if (sdiag[j] === 0 && nsing === n) nsing = j
    if (nsing < n) wa[j] = 0
  }
  for (let j = nsing - 1; j >= 0; j--) {
    let sum = 0
    for (let i = j + 1; i < nsing; i++) sum += r[i + j * ldr]! * wa[i]!
    wa[j] = (wa[j]! - sum) / sdiag[j]!
  }
  for (let j = 0; j < n; j++) x[ipvt[j]!] = wa[j]!
}

/**
 * The Levenberg–Marquardt parameter `par` for the trust radius `delta` (MINPACK lmpar): returns the
 * new par and leaves the step in `x` (the solution of a·x = b, sqrt(par)·d·x = 0).
 */
export function lmpar(
  n: number,
  r: Float64Array,
  ldr: number,
  ipvt: Int32Array,
  diag: Float64Array,
  qtb: Float64Array,
  delta: number,
  parIn: number,
  x: Float64Array,
  sdiag: Float64Array,
  wa1: Float64Array,
  wa2: Float64Array,
): number {
  let par = parIn
  // the Gauss–Newton direction; a rank-deficient Jacobian gets a least-squares solution
  let nsing = n
  for (let j = 0; j < n; j++) {
    wa1[j] = qtb[j]!
    if (r[j + j * ldr] === 0 && nsing === n) nsing = j
    if (nsing < n) wa1[j] = 0
  }
  for (let j = nsing - 1; j >= 0; j--) {
    wa1[j]! /= r[j + j * ldr]!
    const temp = wa1[j]!
    for (let i = 0; i < j; i++) wa1[i]! -= r[i + j * ldr]! * temp
  }
  for (let j = 0; j < n; j++) x[ipvt[j]!] = wa1[j]!

  let iter = 0
  for (let j = 0; j < n; j++) wa2[j] = diag[j]! * x[j]!
  let dxnorm = enorm(n, wa2)
  let fp = dxnorm - delta
  if (fp <= 0.1 * delta) return 0

  // a lower bound parl (the Newton step) when the Jacobian has full rank, else 0
  let parl = 0
  if (nsing >= n) {
    for (let j = 0; j < n; j++) {
      const l = ipvt[j]!
      wa1[j] = diag[l]! * (wa2[l]! / dxnorm)
    }
    for (let j = 0; j < n; j++) {
      let sum = 0
      for (let i = 0; i < j; i++) sum += r[i + j * ldr]! * wa1[i]!
      wa1[j] = (wa1[j]! - sum) / r[j + j * ldr]!
    }
    const temp = enorm(n, wa1)
    parl = fp / delta / temp / temp
  }
  // an upper bound paru
  for (let j = 0; j < n; j++) {
    let sum = 0
    for (let i = 0; i <= j; i++) sum += r[i + j * ldr]! * qtb[i]!
    wa1[j] = sum / diag[ipvt[j]!]!
  }
  const gnorm = enorm(n, wa1)
  let paru = gnorm / delta
  if (paru === 0) paru = DWARF / Math.min(delta, 0.1)
  par = Math.min(Math.max(par, parl), paru)
  if (par === 0) par = gnorm / dxnorm

  for (;;) {
    iter++
    if (par === 0) par = Math.max(DWARF, 0.001 * paru)
    const temp = Math.sqrt(par)
    for (let j = 0; j < n; j++) wa1[j] = temp * diag[j]!
    qrsolv(n, r, ldr, ipvt, wa1, qtb, x, sdiag, wa2)
    for (let j = 0; j < n; j++) wa2[j] = diag[j]! * x[j]!
    dxnorm = enorm(n, wa2)
    const previous = fp
    fp = dxnorm - delta
    // Fortran: abs(fp) <= p1*delta .or. (parl == 0 .and. fp <= temp .and. temp < 0) .or. iter == 10
    if (Math.abs(fp) <= 0.1 * delta || (parl === 0 && fp <= previous && previous < 0) || iter === 10) return par
    // the Newton correction
    for (let j = 0; j < n; j++) {
      const l = ipvt[j]!
      wa1[j] = diag[l]! * (wa2[l]! / dxnorm)
    }
    for (let j = 0; j < n; j++) {
      wa1[j]! /= sdiag[j]!
      const t = wa1[j]!
      for (let i = j + 1; i < n; i++) wa1[i]! -= r[i + j * ldr]! * t
    }
    const t = enorm(n, wa1)
    const parc = fp / delta / t / t
    if (fp > 0) parl = Math.max(parl, par)
    if (fp < 0) paru = Math.min(paru, par)
    par = Math.max(parl, par + parc)
  }
}
