;; SemDeDup's inner loop in WebAssembly SIMD: the first earlier row of a cluster part whose inner
;; product with one row exceeds a bound.
;;
;; Why WebAssembly: SemDeDup compares every row of a part with every row before it (dim multiply-adds
;; each); f32x4 with four accumulators does 16 of them per step where the JavaScript loop does one.
;; The sums here are float32 and summed in another order than the float64 reference, so this kernel
;; is only a sieve: dot-kernel.ts passes a bound below the real threshold by more than float32's
;; worst-case error and decides every candidate again in float64 (the answer never depends on
;; float32 rounding).
;;
;; Assembled by `npm run wasm` (scripts/write-wasm.ts) into dot-kernel.wasm.ts; a unit test checks
;; the two agree. dot-kernel.ts is the only caller and owns the memory: row-major float32 rows.
(module
  (import "env" "memory" (memory 1))

  ;; firstAbove(rows, from, to, row, dim, lo) → the first i in [from, to) with
  ;; dot(rows[i], row) > lo, or `to` when there is none. `rows` and `row` are byte addresses of
  ;; float32 rows of `dim` values, 4-byte aligned.
  (func (export "firstAbove") (param $rows i32) (param $from i32) (param $to i32) (param $row i32) (param $dim i32) (param $lo f64) (result i32)
    (local $i i32) (local $p i32) (local $q i32) (local $stride i32) (local $blockEnd i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $dot f32)
    (local.set $stride (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $i (local.get $from))
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (local.set $p (i32.add (local.get $rows) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $q (local.get $row))
        ;; 16 floats a step into four accumulators, then the remaining dim % 16 one by one
        (local.set $blockEnd (i32.add (local.get $p) (i32.and (local.get $stride) (i32.const -64))))
        (local.set $end (i32.add (local.get $p) (local.get $stride)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (block $blocksDone
          (loop $blocks
            (br_if $blocksDone (i32.ge_u (local.get $p) (local.get $blockEnd)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $q)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $p)) (v128.load offset=16 (local.get $q)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $p)) (v128.load offset=32 (local.get $q)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $p)) (v128.load offset=48 (local.get $q)))))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (local.set $q (i32.add (local.get $q) (i32.const 64)))
            (br $blocks)))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (local.set $dot
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $dot (f32.add (local.get $dot) (f32.mul (f32.load (local.get $p)) (f32.load (local.get $q)))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br $tail)))
        (br_if $done (f64.gt (f64.promote_f32 (local.get $dot)) (local.get $lo)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsLoop)))
    (local.get $i))
)
