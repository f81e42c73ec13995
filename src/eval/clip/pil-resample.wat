;; Pillow's 8-bit bicubic resampling passes (libImaging/Resample.c) and open_clip's normalisation, in
;; WebAssembly SIMD. Bit-identical to pil-resize.ts: the same 22-bit fixed-point weights (computed in
;; JS), int32 accumulators starting at 1 << 21, and clip8 = (sum >> 22) saturated to 0..255, which
;; the two saturating narrows do. The sums are exact (|sum| < 2^31; wrapping i32 arithmetic would
;; even undo an overflow of a partial sum), so the order in which they add up does not matter.
;;
;; Build: npm run wasm (scripts/wasm-kernels.ts) writes pil-resample.wasm.ts.
;; Buffers are laid out by pil-resample.ts; reads and writes may run past a buffer's end (whole
;; vectors; the horizontal pass' last run of 4 taps), which the layout leaves room for.
(module
  (memory (export "memory") 1)

  ;; Horizontal pass: `rows` RGBA rows of `src` to `dst`, 3 bytes per pixel, output columns
  ;; x0 .. x0+width-1. Output pixel xx reads `groups[xx]` runs of 4 input pixels from `starts[xx]`.
  ;; Its weights, at `weights + xx*weightStride`, are 64 bytes per 4 taps: for taps (0,1) then
  ;; (2,3), the low 11 bits and the rest (w >> 11) of each, as i16 pairs repeated 4 times; taps past
  ;; the filter's end weigh 0. Pairs of pixels times pairs of weights are i32x4.dot_i16x8_s, so
  ;; sum = (sum of high parts << 11) + sum of low parts, exactly (products and sums stay in i32).
  (func (export "horizontal")
    (param $src i32) (param $srcStride i32) (param $rows i32)
    (param $starts i32) (param $groups i32) (param $weights i32) (param $weightStride i32)
    (param $x0 i32) (param $width i32) (param $dst i32)
    (local $y i32) (local $row i32) (local $xx i32) (local $xEnd i32) (local $p i32) (local $w i32)
    (local $n i32) (local $low v128) (local $high v128) (local $v v128) (local $a v128) (local $b v128)
    (local.set $xEnd (i32.add (local.get $x0) (local.get $width)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $srcStride))))
        (local.set $xx (local.get $x0))
        (block $pixelsDone
          (loop $eachPixel
            (br_if $pixelsDone (i32.ge_u (local.get $xx) (local.get $xEnd)))
            (local.set $p
              (i32.add (local.get $row)
                (i32.shl (i32.load (i32.add (local.get $starts) (i32.shl (local.get $xx) (i32.const 2)))) (i32.const 2))))
            (local.set $n (i32.load (i32.add (local.get $groups) (i32.shl (local.get $xx) (i32.const 2)))))
            (local.set $w (i32.add (local.get $weights) (i32.mul (local.get $xx) (local.get $weightStride))))
            (local.set $low (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $high (v128.const i32x4 0 0 0 0))
            (block $groupsDone
              (loop $eachGroup
                (br_if $groupsDone (i32.eqz (local.get $n)))
                ;; R0 R1 G0 G1 B0 B1 A0 A1 | R2 R3 G2 G3 B2 B3 A2 A3: channel pairs of taps (0,1) and (2,3).
                (local.set $v (v128.load (local.get $p)))
                (local.set $v (i8x16.shuffle 0 4 1 5 2 6 3 7 8 12 9 13 10 14 11 15 (local.get $v) (local.get $v)))
                (local.set $a (i16x8.extend_low_i8x16_u (local.get $v)))
                (local.set $b (i16x8.extend_high_i8x16_u (local.get $v)))
                (local.set $low (i32x4.add (local.get $low)
                  (i32x4.add
                    (i32x4.dot_i16x8_s (local.get $a) (v128.load (local.get $w)))
                    (i32x4.dot_i16x8_s (local.get $b) (v128.load offset=32 (local.get $w))))))
                (local.set $high (i32x4.add (local.get $high)
                  (i32x4.add
                    (i32x4.dot_i16x8_s (local.get $a) (v128.load offset=16 (local.get $w)))
                    (i32x4.dot_i16x8_s (local.get $b) (v128.load offset=48 (local.get $w))))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (local.set $w (i32.add (local.get $w) (i32.const 64)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $eachGroup)))
            (local.set $low (i32x4.add (local.get $low) (i32x4.shl (local.get $high) (i32.const 11))))
            ;; 4 bytes stored, 3 kept: the next pixel overwrites the fourth.
            (v128.store32_lane 0 (local.get $dst)
              (i8x16.narrow_i16x8_u
                (i16x8.narrow_i32x4_s (i32x4.shr_s (local.get $low) (i32.const 22)) (local.get $low))
                (local.get $low)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 3)))
            (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
            (br $eachPixel)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $eachRow))))

  ;; RGB (3 bytes per pixel) to RGBA with a zero fourth byte, the horizontal pass' input layout.
  (func (export "rgbToRgba") (param $src i32) (param $pixels i32) (param $dst i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $pixels) (i32.const 2))))
    (block $done
      (loop $eachPixel
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (i32.store (local.get $dst) (i32.and (i32.load (local.get $src)) (i32.const 0xffffff)))
        (local.set $src (i32.add (local.get $src) (i32.const 3)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $eachPixel))))

  ;; Vertical pass: output rows y0 .. y0+height-1 of `stride` bytes each to `dst`; output row yy
  ;; sums `counts[yy]` rows of `src` from row `starts[yy]` (src holds rows firstRow onwards).
  (func (export "vertical")
    (param $src i32) (param $stride i32) (param $firstRow i32)
    (param $starts i32) (param $counts i32) (param $weights i32) (param $ksize i32)
    (param $y0 i32) (param $height i32) (param $dst i32)
    (local $yy i32) (local $yEnd i32) (local $base i32) (local $wBase i32) (local $nTaps i32)
    (local $i i32) (local $p i32) (local $w i32) (local $n i32)
    (local $wv v128) (local $v v128) (local $half v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $yy (local.get $y0))
    (local.set $yEnd (i32.add (local.get $y0) (local.get $height)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $yy) (local.get $yEnd)))
        (local.set $base
          (i32.add (local.get $src)
            (i32.mul
              (i32.sub (i32.load (i32.add (local.get $starts) (i32.shl (local.get $yy) (i32.const 2)))) (local.get $firstRow))
              (local.get $stride))))
        (local.set $nTaps (i32.load (i32.add (local.get $counts) (i32.shl (local.get $yy) (i32.const 2)))))
        (local.set $wBase (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $yy) (local.get $ksize)) (i32.const 4))))
        (local.set $i (i32.const 0))
        (block $chunksDone
          (loop $eachChunk
            ;; 16 bytes at a time; the last chunk's extra bytes land in the next row, written after.
            (br_if $chunksDone (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $a0 (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (local.set $p (i32.add (local.get $base) (local.get $i)))
            (local.set $w (local.get $wBase))
            (local.set $n (local.get $nTaps))
            (block $tapsDone
              (loop $eachTap
                (br_if $tapsDone (i32.eqz (local.get $n)))
                (local.set $v (v128.load (local.get $p)))
                (local.set $wv (v128.load (local.get $w)))
                (local.set $half (i16x8.extend_low_i8x16_u (local.get $v)))
                (local.set $a0 (i32x4.add (local.get $a0) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $half)) (local.get $wv))))
                (local.set $a1 (i32x4.add (local.get $a1) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $half)) (local.get $wv))))
                (local.set $half (i16x8.extend_high_i8x16_u (local.get $v)))
                (local.set $a2 (i32x4.add (local.get $a2) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $half)) (local.get $wv))))
                (local.set $a3 (i32x4.add (local.get $a3) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $half)) (local.get $wv))))
                (local.set $p (i32.add (local.get $p) (local.get $stride)))
                (local.set $w (i32.add (local.get $w) (i32.const 16)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $eachTap)))
            (v128.store (i32.add (local.get $dst) (local.get $i))
              (i8x16.narrow_i16x8_u
                (i16x8.narrow_i32x4_s (i32x4.shr_s (local.get $a0) (i32.const 22)) (i32x4.shr_s (local.get $a1) (i32.const 22)))
                (i16x8.narrow_i32x4_s (i32x4.shr_s (local.get $a2) (i32.const 22)) (i32x4.shr_s (local.get $a3) (i32.const 22)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $eachChunk)))
        (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
        (local.set $yy (i32.add (local.get $yy) (i32.const 1)))
        (br $eachRow))))

  ;; ToTensor + Normalize: `pixels` interleaved RGB bytes from `src` to three float32 planes at `dst`,
  ;; through the per-channel lookup `table` (3 × 256 float32, normalisationTable in preprocess.ts).
  (func (export "normalise") (param $src i32) (param $pixels i32) (param $table i32) (param $dst i32)
    (local $end i32) (local $plane i32)
    (local.set $plane (i32.shl (local.get $pixels) (i32.const 2)))
    (local.set $end (i32.add (local.get $dst) (local.get $plane)))
    (block $done
      (loop $eachPixel
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst)
          (f32.load (i32.add (local.get $table) (i32.shl (i32.load8_u (local.get $src)) (i32.const 2)))))
        (f32.store (i32.add (local.get $dst) (local.get $plane))
          (f32.load offset=1024 (i32.add (local.get $table) (i32.shl (i32.load8_u offset=1 (local.get $src)) (i32.const 2)))))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $plane) (i32.const 1)))
          (f32.load offset=2048 (i32.add (local.get $table) (i32.shl (i32.load8_u offset=2 (local.get $src)) (i32.const 2)))))
        (local.set $src (i32.add (local.get $src) (i32.const 3)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $eachPixel)))))
