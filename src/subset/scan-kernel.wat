;; The hot loop of `bench subset validate`, in WebAssembly: one pass over a chunk of 16-byte uid
;; records that checks ascending order, counts runs of equal uids (repetition) and merge-joins each
;; distinct uid against the current chunk of the sorted pool index.
;;
;; Why WebAssembly: a uid is two little-endian uint64 (DataComp's (u64, u64) record), and wasm
;; compares them natively with i64.lt_u; the same loop in JavaScript has to split them into four
;; 32-bit words and costs ~4× as much per record (numbers in the commit that added this file).
;;
;; Assembled by `npm run wasm` (scripts/write-wasm.ts) into scan-kernel.wasm.ts; a unit test checks
;; the two agree. scan-kernel.ts is the only caller and owns the memory layout below.
;;
;; Memory layout (byte offsets; scan-kernel.ts mirrors them in KERNEL_STATE):
;;     0 prev0 i64     the previous distinct uid's first u64 (compared first)
;;     8 prev1 i64     … and second u64
;;    16 run i64       records of the previous uid so far
;;    24 maxRun i64    the longest finished run
;;    32 unique i64    distinct uids so far
;;    40 strangerUnique i64, 48 strangerRecords i64: distinct uids / records not in the index
;;    56 bigRun i64    with event BIG_RUN: the length of a finished run longer than 64
;;    64 started i32   a record has been seen
;;    68 stranger i32  the previous uid is not in the index
;;    72 wantExamples i32: raise EXAMPLE for each new stranger
;;    76 checkIndex i32, 80 indexDone i32 (no further index chunks), 84 indexPtr i32,
;;    88 indexCount i32 (records), 92 indexPos i32 (first index record not below the previous uid)
;;    96 event i32     why scan returned (flags below; 0 = the chunk is done)
;;   128 histogram i64[65]: histogram[k] = distinct uids whose run had exactly k records (k ≤ 64)
;;
;; Events: 1 DESCENT (record i is smaller than the one before; nothing of it was counted),
;;         2 NEED_INDEX (the index chunk ran out before a record ≥ record i; record i not counted),
;;         4 BIG_RUN (a run > 64 ended, its length in bigRun), 8 EXAMPLE (record i-1 is a new stranger).
;;         For 4 and 8, record i-1 was fully counted and scanning resumes at i.
(module
  (import "env" "memory" (memory 1))

  ;; scan(records, n, i) → the next record to scan. `records` is the byte address of the chunk's
  ;; first record, `n` its record count, `i` the first record to scan now.
  (func (export "scan") (param $records i32) (param $n i32) (param $i i32) (result i32)
    (local $x0 i64) (local $x1 i64) (local $p0 i64) (local $p1 i64) (local $b0 i64) (local $b1 i64)
    (local $run i64) (local $maxRun i64) (local $unique i64) (local $strangerUnique i64) (local $strangerRecords i64)
    (local $singles i64)
    (local $started i32) (local $stranger i32) (local $wantExamples i32) (local $checkIndex i32) (local $indexDone i32)
    (local $index i32) (local $m i32) (local $q i32) (local $event i32) (local $member i32) (local $at i32)

    ;; state → locals
    (local.set $p0 (i64.load (i32.const 0)))
    (local.set $p1 (i64.load (i32.const 8)))
    (local.set $run (i64.load (i32.const 16)))
    (local.set $maxRun (i64.load (i32.const 24)))
    (local.set $unique (i64.load (i32.const 32)))
    (local.set $strangerUnique (i64.load (i32.const 40)))
    (local.set $strangerRecords (i64.load (i32.const 48)))
    (local.set $started (i32.load (i32.const 64)))
    (local.set $stranger (i32.load (i32.const 68)))
    (local.set $wantExamples (i32.load (i32.const 72)))
    (local.set $checkIndex (i32.load (i32.const 76)))
    (local.set $indexDone (i32.load (i32.const 80)))
    (local.set $index (i32.load (i32.const 84)))
    (local.set $m (i32.load (i32.const 88)))
    (local.set $q (i32.load (i32.const 92)))

    (block $exit
      (loop $next
        (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.add (local.get $records) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $x0 (i64.load (local.get $at)))
        (local.set $x1 (i64.load offset=8 (local.get $at)))

        ;; Order against the previous uid. The first u64 alone says "greater" for almost every
        ;; record of a sorted file, so that is the only test on the common path.
        (if (i32.and (local.get $started) (i64.le_u (local.get $x0) (local.get $p0)))
          (then
            (if (i64.lt_u (local.get $x0) (local.get $p0))
              (then (local.set $event (i32.const 1)) (br $exit)))
            (if (i64.eq (local.get $x1) (local.get $p1))
              (then
                ;; the same uid again: one more record in its run
                (local.set $run (i64.add (local.get $run) (i64.const 1)))
                (local.set $strangerRecords (i64.add (local.get $strangerRecords) (i64.extend_i32_u (local.get $stranger))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $next)))
            (if (i64.lt_u (local.get $x1) (local.get $p1))
              (then (local.set $event (i32.const 1)) (br $exit)))))

        ;; A new distinct uid. Membership: advance the index to its first record ≥ this uid.
        (local.set $member (i32.const 1))
        (if (local.get $checkIndex)
          (then
            (block $joined
              (loop $advance
                (if (i32.eq (local.get $q) (local.get $m))
                  (then
                    (if (i32.eqz (local.get $indexDone))
                      (then (local.set $event (i32.const 2)) (br $exit)))
                    (local.set $member (i32.const 0))
                    (br $joined)))
                (local.set $b0 (i64.load (i32.add (local.get $index) (i32.shl (local.get $q) (i32.const 4)))))
                (if (i64.lt_u (local.get $b0) (local.get $x0))
                  (then (local.set $q (i32.add (local.get $q) (i32.const 1))) (br $advance)))
                (if (i64.eq (local.get $b0) (local.get $x0))
                  (then
                    (local.set $b1 (i64.load offset=8 (i32.add (local.get $index) (i32.shl (local.get $q) (i32.const 4)))))
                    (if (i64.lt_u (local.get $b1) (local.get $x1))
                      (then (local.set $q (i32.add (local.get $q) (i32.const 1))) (br $advance)))
                    (local.set $member (i64.eq (local.get $b1) (local.get $x1)))
                    (br $joined)))
                ;; the index's next record is above this uid
                (local.set $member (i32.const 0))))))

        ;; Close the previous uid's run. Runs of one (most uids) are counted in a local: a
        ;; read-modify-write of histogram[1] per record would chain every record to the last.
        (if (local.get $started)
          (then
            (if (i64.eq (local.get $run) (i64.const 1))
              (then (local.set $singles (i64.add (local.get $singles) (i64.const 1))))
            (else (if (i64.le_u (local.get $run) (i64.const 64))
              (then
                (local.set $at (i32.add (i32.const 128) (i32.shl (i32.wrap_i64 (local.get $run)) (i32.const 3))))
                (i64.store (local.get $at) (i64.add (i64.load (local.get $at)) (i64.const 1))))
              (else
                (i64.store (i32.const 56) (local.get $run))
                (local.set $event (i32.or (local.get $event) (i32.const 4)))))))
            (if (i64.gt_u (local.get $run) (local.get $maxRun))
              (then (local.set $maxRun (local.get $run))))))

        ;; Open this uid's run.
        (local.set $started (i32.const 1))
        (local.set $unique (i64.add (local.get $unique) (i64.const 1)))
        (local.set $run (i64.const 1))
        (local.set $p0 (local.get $x0))
        (local.set $p1 (local.get $x1))
        (local.set $stranger (i32.eqz (local.get $member)))
        (if (local.get $stranger)
          (then
            (local.set $strangerUnique (i64.add (local.get $strangerUnique) (i64.const 1)))
            (local.set $strangerRecords (i64.add (local.get $strangerRecords) (i64.const 1)))
            (if (local.get $wantExamples)
              (then (local.set $event (i32.or (local.get $event) (i32.const 8)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $exit (local.get $event))
        (br $next)))

    ;; locals → state
    (i64.store (i32.const 0) (local.get $p0))
    (i64.store (i32.const 8) (local.get $p1))
    (i64.store (i32.const 16) (local.get $run))
    (i64.store (i32.const 24) (local.get $maxRun))
    (i64.store (i32.const 32) (local.get $unique))
    (i64.store (i32.const 40) (local.get $strangerUnique))
    (i64.store (i32.const 48) (local.get $strangerRecords))
    (i32.store (i32.const 64) (local.get $started))
    (i32.store (i32.const 68) (local.get $stranger))
    (i32.store (i32.const 92) (local.get $q))
    (i32.store (i32.const 96) (local.get $event))
    (i64.store (i32.const 136) (i64.add (i64.load (i32.const 136)) (local.get $singles)))
    (local.get $i)))
