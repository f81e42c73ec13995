;; The inner loops of bench pool download's image path in WebAssembly SIMD: OpenCV's INTER_AREA
;; weighted path (area-resize.ts) and the separable Gaussian of img2dataset's face blur
;; (face-blur.ts). Every pixel is one f32x4 of 4 channel lanes, so each lane does the scalar float32
;; arithmetic of the TypeScript it replaces, in the same order (see each function); unused lanes
;; carry garbage that nothing reads.
;;
;; Build: npm run wasm (scripts/wasm-kernels.ts) writes pixel-kernels.wasm.ts.
;; Buffers are laid out by pixel-kernels.ts; reads and writes may run up to 16 bytes past a buffer's
;; end (whole vectors; 4-byte pixel loads of 1- or 3-byte pixels), which the layout leaves room for.
(module
  (memory (export "memory") 1)

  ;; INTER_AREA horizontal pass of `rows` source rows (`rowBytes` apart from `src`) to as many rows
  ;; of `outRowBytes` at `out`, f32x4 per destination pixel. Each output pixel starts at 0, then for
  ;; each of the `n` taps k in order, out[di[k]] += f32(4 bytes at src + si[k]) × alpha[k] (a
  ;; float32 product, then a float32 sum: `buf[d] + fround(data × alpha)` per channel). si and di
  ;; are byte offsets (di ascending; every destination pixel has taps). Four rows go through the
  ;; taps together (their sums are independent: four chains of adds in flight instead of one); a
  ;; last group of fewer repeats its last row.
  (func (export "areaRows")
    (param $src i32) (param $rowBytes i32) (param $rows i32) (param $si i32) (param $di i32)
    (param $alpha i32) (param $n i32) (param $out i32) (param $outRowBytes i32)
    (local $r i32) (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $k i32) (local $end i32) (local $d i32) (local $next i32) (local $s i32) (local $w v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $rowsDone
      (loop $eachGroup
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $s0 (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $s1 (i32.add (local.get $src) (i32.mul (call $last (i32.add (local.get $r) (i32.const 1)) (local.get $rows)) (local.get $rowBytes))))
        (local.set $s2 (i32.add (local.get $src) (i32.mul (call $last (i32.add (local.get $r) (i32.const 2)) (local.get $rows)) (local.get $rowBytes))))
        (local.set $s3 (i32.add (local.get $src) (i32.mul (call $last (i32.add (local.get $r) (i32.const 3)) (local.get $rows)) (local.get $rowBytes))))
        (local.set $o0 (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $outRowBytes))))
        (local.set $o1 (i32.add (local.get $out) (i32.mul (call $last (i32.add (local.get $r) (i32.const 1)) (local.get $rows)) (local.get $outRowBytes))))
        (local.set $o2 (i32.add (local.get $out) (i32.mul (call $last (i32.add (local.get $r) (i32.const 2)) (local.get $rows)) (local.get $outRowBytes))))
        (local.set $o3 (i32.add (local.get $out) (i32.mul (call $last (i32.add (local.get $r) (i32.const 3)) (local.get $rows)) (local.get $outRowBytes))))
        (local.set $d (i32.load (local.get $di)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (local.get $a0))
        (local.set $a2 (local.get $a0))
        (local.set $a3 (local.get $a0))
        (local.set $k (i32.const 0))
        (block $tapsDone
          (loop $eachTap
            (br_if $tapsDone (i32.ge_u (local.get $k) (local.get $end)))
            ;; A new destination pixel: the last one's sums are complete.
            (local.set $next (i32.load (i32.add (local.get $di) (local.get $k))))
            (if (i32.ne (local.get $d) (local.get $next))
              (then
                (v128.store (i32.add (local.get $o0) (local.get $d)) (local.get $a0))
                (v128.store (i32.add (local.get $o1) (local.get $d)) (local.get $a1))
                (v128.store (i32.add (local.get $o2) (local.get $d)) (local.get $a2))
                (v128.store (i32.add (local.get $o3) (local.get $d)) (local.get $a3))
                (local.set $d (local.get $next))
                (local.set $a0 (v128.const i32x4 0 0 0 0))
                (local.set $a1 (local.get $a0))
                (local.set $a2 (local.get $a0))
                (local.set $a3 (local.get $a0))))
            (local.set $s (i32.load (i32.add (local.get $si) (local.get $k))))
            (local.set $w (v128.load32_splat (i32.add (local.get $alpha) (local.get $k))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $s0) (local.get $s)))))) (local.get $w))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $s1) (local.get $s)))))) (local.get $w))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $s2) (local.get $s)))))) (local.get $w))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $s3) (local.get $s)))))) (local.get $w))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $eachTap)))
        (v128.store (i32.add (local.get $o0) (local.get $d)) (local.get $a0))
        (v128.store (i32.add (local.get $o1) (local.get $d)) (local.get $a1))
        (v128.store (i32.add (local.get $o2) (local.get $d)) (local.get $a2))
        (v128.store (i32.add (local.get $o3) (local.get $d)) (local.get $a3))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $eachGroup))))

;; INTER_AREA's 2×2 case (OpenCV's SIMD fast path): for each of `rows` pairs of source rows
  ;; (`rowBytes` apart; pair r at src + 2r × rowBytes), each output byte is (a + b + c + d + 2) >> 2
  ;; of the same channel of two neighbouring pixels in both rows. Per step, the swizzle masks at
  ;; `masks` (A, then B: which byte of a 16-byte load is the left and which the right pixel's, per
  ;; output byte; pixel-kernels' caller builds them for 1, 3 or 4 channels) pick `outStep` output
  ;; bytes' sources from `2 × outStep` source bytes; 8 bytes are stored, the next step (or the
  ;; buffer's slack) overwrites the extra ones. `outRowBytes` bytes per output row at `out`.
  (func (export "areaHalf")
    (param $src i32) (param $rowBytes i32) (param $rows i32) (param $out i32) (param $outRowBytes i32)
    (param $masks i32) (param $outStep i32)
    (local $r i32) (local $top i32) (local $dst i32) (local $end i32) (local $a v128) (local $b v128)
    (local $t v128) (local $u v128) (local $sum v128)
    (local.set $a (v128.load (local.get $masks)))
    (local.set $b (v128.load offset=16 (local.get $masks)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $top (i32.add (local.get $src) (i32.mul (i32.shl (local.get $r) (i32.const 1)) (local.get $rowBytes))))
        (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $outRowBytes))))
        (local.set $end (i32.add (local.get $dst) (local.get $outRowBytes)))
        (block $rowDone
          (loop $eachStep
            (br_if $rowDone (i32.ge_u (local.get $dst) (local.get $end)))
            (local.set $t (v128.load (local.get $top)))
            (local.set $u (v128.load (i32.add (local.get $top) (local.get $rowBytes))))
            (local.set $sum
              (i16x8.add
                (i16x8.add
                  (i16x8.add (i16x8.extend_low_i8x16_u (i8x16.swizzle (local.get $t) (local.get $a)))
                             (i16x8.extend_low_i8x16_u (i8x16.swizzle (local.get $t) (local.get $b))))
                  (i16x8.add (i16x8.extend_low_i8x16_u (i8x16.swizzle (local.get $u) (local.get $a)))
                             (i16x8.extend_low_i8x16_u (i8x16.swizzle (local.get $u) (local.get $b)))))
                (v128.const i16x8 2 2 2 2 2 2 2 2)))
            (local.set $sum (i16x8.shr_u (local.get $sum) (i32.const 2)))
            (v128.store64_lane 0 (local.get $dst) (i8x16.narrow_i16x8_u (local.get $sum) (local.get $sum)))
            (local.set $top (i32.add (local.get $top) (i32.shl (local.get $outStep) (i32.const 1))))
            (local.set $dst (i32.add (local.get $dst) (local.get $outStep)))
            (br $eachStep)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachRow))))

    ;; min(i, rows - 1): the row a group of four takes in place of one past the end.
  (func $last (param $i i32) (param $rows i32) (result i32)
    (select (local.get $i) (i32.sub (local.get $rows) (i32.const 1)) (i32.lt_u (local.get $i) (local.get $rows))))

  ;; INTER_AREA vertical step: sum = beta × buf (first source row of a destination row) or
  ;; sum + beta × buf (float32 product, then float32 sum), over `bytes` of f32x4.
  (func (export "areaAccumulate") (param $buf i32) (param $sum i32) (param $bytes i32) (param $beta f32) (param $first i32)
    (local $end i32) (local $b v128) (local $product v128)
    (local.set $b (f32x4.splat (local.get $beta)))
    (local.set $end (i32.add (local.get $sum) (local.get $bytes)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $sum) (local.get $end)))
        (local.set $product (f32x4.mul (local.get $b) (v128.load (local.get $buf))))
        (v128.store (local.get $sum)
          (select (result v128) (local.get $product) (f32x4.add (v128.load (local.get $sum)) (local.get $product)) (local.get $first)))
        (local.set $sum (i32.add (local.get $sum) (i32.const 16)))
        (local.set $buf (i32.add (local.get $buf) (i32.const 16)))
        (br $each))))

  ;; INTER_AREA output row: `width` f32x4 sums to `cn` bytes each at `dst`, saturate_cast<uchar>:
  ;; rounded to nearest, ties to even (f32x4.nearest), then saturated to 0..255 by the narrows.
  ;; 4 bytes are stored per pixel; the next pixel (or the buffer's slack) overwrites the extra ones.
  (func (export "areaEmit") (param $sum i32) (param $width i32) (param $cn i32) (param $dst i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $sum) (i32.shl (local.get $width) (i32.const 4))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $sum) (local.get $end)))
        (local.set $v (i32x4.trunc_sat_f32x4_s (f32x4.nearest (v128.load (local.get $sum)))))
        (v128.store32_lane 0 (local.get $dst)
          (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_s (local.get $v) (local.get $v)) (local.get $v)))
        (local.set $sum (i32.add (local.get $sum) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (local.get $cn)))
        (br $each))))

  ;; Gaussian row pass, OpenCV's RowFilter order: for each of `rows` rows of `width` f32x4 pixels at
  ;; `pix`, the reflect-101 padded line (`lineLen` pixels; colIdx holds byte offsets into the row)
  ;; is gathered into `line`, and output pixel x (of `outWidth`) = Σ_k kernel[k] × line[x + k],
  ;; k = 0 .. ksize-1 in order, starting from 0 (float32 products and sums). Four outputs per step
  ;; share each tap's weight.
  (func (export "blurRows")
    (param $pix i32) (param $width i32) (param $rows i32) (param $colIdx i32) (param $lineLen i32)
    (param $line i32) (param $kernel i32) (param $ksize i32) (param $outWidth i32) (param $out i32)
    (local $r i32) (local $row i32) (local $i i32) (local $x i32) (local $p i32) (local $k i32)
    (local $kEnd i32) (local $w v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $kEnd (i32.add (local.get $kernel) (i32.shl (local.get $ksize) (i32.const 2))))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $pix) (i32.shl (i32.mul (local.get $r) (local.get $width)) (i32.const 4))))
        (local.set $i (i32.const 0))
        (block $gathered
          (loop $gather
            (br_if $gathered (i32.ge_u (local.get $i) (local.get $lineLen)))
            (v128.store (i32.add (local.get $line) (i32.shl (local.get $i) (i32.const 4)))
              (v128.load (i32.add (local.get $row) (i32.load (i32.add (local.get $colIdx) (i32.shl (local.get $i) (i32.const 2)))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $gather)))
        (local.set $x (i32.const 0))
        (block $quadsDone
          (loop $eachQuad
            (br_if $quadsDone (i32.gt_u (i32.add (local.get $x) (i32.const 4)) (local.get $outWidth)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (local.set $p (i32.add (local.get $line) (i32.shl (local.get $x) (i32.const 4))))
            (local.set $k (local.get $kernel))
            (block $tapsDone
              (loop $eachTap
                (br_if $tapsDone (i32.ge_u (local.get $k) (local.get $kEnd)))
                (local.set $w (v128.load32_splat (local.get $k)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load (local.get $p)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $p)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $p)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $p)))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $eachTap)))
            (v128.store (local.get $out) (local.get $a0))
            (v128.store offset=16 (local.get $out) (local.get $a1))
            (v128.store offset=32 (local.get $out) (local.get $a2))
            (v128.store offset=48 (local.get $out) (local.get $a3))
            (local.set $out (i32.add (local.get $out) (i32.const 64)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $eachQuad)))
        (block $restDone
          (loop $eachRest
            (br_if $restDone (i32.ge_u (local.get $x) (local.get $outWidth)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.add (local.get $line) (i32.shl (local.get $x) (i32.const 4))))
            (local.set $k (local.get $kernel))
            (block $tapsDone
              (loop $eachTap
                (br_if $tapsDone (i32.ge_u (local.get $k) (local.get $kEnd)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (local.get $k)) (v128.load (local.get $p)))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $eachTap)))
            (v128.store (local.get $out) (local.get $a0))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $eachRest)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachRow))))

  ;; Gaussian column pass, OpenCV's SymmColumnFilter order: output row y (of `rows`, `width` f32x4
  ;; pixels each) = kernel[h] × S[h] + Σ_{i=1..h} kernel[h+i] × (S[h+i] + S[h−i]), i in order, where
  ;; S[j] is the row of `src` at byte offset rowIdx[y + j] (reflect-101 done by the table) and
  ;; h = `half` (float32 sums and products). Four pixels per step share each tap's weight.
  (func (export "blurColumns")
    (param $src i32) (param $width i32) (param $rows i32) (param $rowIdx i32) (param $kernel i32)
    (param $half i32) (param $out i32)
    (local $y i32) (local $x i32) (local $i i32) (local $center i32) (local $xo i32) (local $up i32)
    (local $down i32) (local $w v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $rows)))
        ;; &rowIdx[y + half]
        (local.set $center (i32.add (local.get $rowIdx) (i32.shl (i32.add (local.get $y) (local.get $half)) (i32.const 2))))
        (local.set $x (i32.const 0))
        (block $pixelsDone
          (loop $eachPixels
            (br_if $pixelsDone (i32.ge_u (local.get $x) (local.get $width)))
            ;; Whole quads; the last may run past the row into the slack, which nothing reads.
            (local.set $xo (i32.add (local.get $src) (i32.shl (local.get $x) (i32.const 4))))
            (local.set $w (v128.load32_splat (i32.add (local.get $kernel) (i32.shl (local.get $half) (i32.const 2)))))
            (local.set $up (i32.add (local.get $xo) (i32.load (local.get $center))))
            (local.set $a0 (f32x4.mul (local.get $w) (v128.load (local.get $up))))
            (local.set $a1 (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $up))))
            (local.set $a2 (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $up))))
            (local.set $a3 (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $up))))
            (local.set $i (i32.const 1))
            (block $tapsDone
              (loop $eachTap
                (br_if $tapsDone (i32.gt_u (local.get $i) (local.get $half)))
                (local.set $w (v128.load32_splat
                  (i32.add (local.get $kernel) (i32.shl (i32.add (local.get $half) (local.get $i)) (i32.const 2)))))
                (local.set $down (i32.add (local.get $xo)
                  (i32.load (i32.add (local.get $center) (i32.shl (local.get $i) (i32.const 2))))))
                (local.set $up (i32.add (local.get $xo)
                  (i32.load (i32.sub (local.get $center) (i32.shl (local.get $i) (i32.const 2))))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w)
                  (f32x4.add (v128.load (local.get $down)) (v128.load (local.get $up))))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w)
                  (f32x4.add (v128.load offset=16 (local.get $down)) (v128.load offset=16 (local.get $up))))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w)
                  (f32x4.add (v128.load offset=32 (local.get $down)) (v128.load offset=32 (local.get $up))))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w)
                  (f32x4.add (v128.load offset=48 (local.get $down)) (v128.load offset=48 (local.get $up))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $eachTap)))
            (v128.store (local.get $out) (local.get $a0))
            (v128.store offset=16 (local.get $out) (local.get $a1))
            (v128.store offset=32 (local.get $out) (local.get $a2))
            (v128.store offset=48 (local.get $out) (local.get $a3))
            (local.set $out (i32.add (local.get $out) (i32.const 64)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $eachPixels)))
        ;; The last quad may have written past the row: the output rows are `width` rounded up to 4.
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $eachRow))))

  ;; The lanes a pixel of `cn` channels (1 or 3) has: all ones in the channel lanes, zero elsewhere.
  (func $channelLanes (param $cn i32) (result v128)
    (select (result v128)
      (v128.const i32x4 -1 -1 -1 0) (v128.const i32x4 -1 0 0 0) (i32.eq (local.get $cn) (i32.const 3))))

  ;; Blur input: `pixels` pixels of `cn` bytes from `src` to f32x4 [v0/255, v1/255, v2/255, 0] at
  ;; `dst` (numpy's float32 division; lanes past cn are 0; the mask lane is set by the caller).
  (func (export "blurPack") (param $src i32) (param $pixels i32) (param $cn i32) (param $dst i32)
    (local $end i32) (local $lanes v128)
    (local.set $lanes (call $channelLanes (local.get $cn)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $pixels) (i32.const 4))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst)
          (v128.and (local.get $lanes)
            (f32x4.div
              (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (local.get $src)))))
              (v128.const f32x4 255 255 255 255))))
        (local.set $src (i32.add (local.get $src) (local.get $cn)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $each))))

  ;; blurrer.py's mix, in place on `rows` rows of `width` pixels from byte `img` (rows `stride` bytes
  ;; apart, `cn` bytes per pixel): where the blurred mask m (lane 3 of the f32x4 at `blurred`, rows
  ;; `bStride` bytes apart) is not 0, each channel becomes trunc((v/255 × (1 − m) + b × m) × 255)
  ;; saturated to 0..255, in float32 with a rounding after each operation; elsewhere it is kept.
  ;; 4 bytes are stored per pixel: those past the pixel's channels are stored back unchanged.
  (func (export "blurMix")
    (param $img i32) (param $stride i32) (param $width i32) (param $rows i32) (param $cn i32)
    (param $blurred i32) (param $bStride i32)
    (local $y i32) (local $p i32) (local $b i32) (local $end i32) (local $lanes v128) (local $orig v128)
    (local $bv v128) (local $m v128) (local $q v128)
    (local.set $lanes (call $channelLanes (local.get $cn)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $p (i32.add (local.get $img) (i32.mul (local.get $y) (local.get $stride))))
        (local.set $b (i32.add (local.get $blurred) (i32.mul (local.get $y) (local.get $bStride))))
        (local.set $end (i32.add (local.get $b) (i32.shl (local.get $width) (i32.const 4))))
        (block $pixelsDone
          (loop $eachPixel
            (br_if $pixelsDone (i32.ge_u (local.get $b) (local.get $end)))
            (local.set $orig (v128.load32_zero (local.get $p)))
            (local.set $bv (v128.load (local.get $b)))
            (local.set $m (f32x4.splat (f32x4.extract_lane 3 (local.get $bv))))
            (local.set $q
              (i32x4.trunc_sat_f32x4_s
                (f32x4.mul
                  (f32x4.add
                    (f32x4.mul
                      (f32x4.div
                        (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (local.get $orig))))
                        (v128.const f32x4 255 255 255 255))
                      (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $m)))
                    (f32x4.mul (local.get $bv) (local.get $m)))
                  (v128.const f32x4 255 255 255 255))))
            ;; i32 lanes to bytes: values saturate to 0..255; the all-ones selection mask stays all ones.
            (local.set $m (v128.and (local.get $lanes) (f32x4.ne (local.get $m) (v128.const f32x4 0 0 0 0))))
            (v128.store32_lane 0 (local.get $p)
              (v128.bitselect
                (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_s (local.get $q) (local.get $q)) (local.get $q))
                (local.get $orig)
                (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s (local.get $m) (local.get $m)) (local.get $m))))
            (local.set $p (i32.add (local.get $p) (local.get $cn)))
            (local.set $b (i32.add (local.get $b) (i32.const 16)))
            (br $eachPixel)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $eachRow)))))
