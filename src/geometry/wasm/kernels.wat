;; The dense geometry kernels in WebAssembly SIMD (128-bit, no relaxed SIMD), float32 lanes.
;; Assembled by scripts/build-wasm.mjs into kernels-bytes.ts; driven by simd-kernels.ts, which
;; lays out the memory. Every pointer is a byte address, 16-byte aligned. Matrices are row-major
;; with a row stride `ld` (floats) that is a multiple of 4 and zero-padded, and basis widths `wp`
;; are multiples of 4, zero-padded, so no loop has a tail.
(module
  (memory (export "memory") 1)

  ;; x[r, c] -= mu[c] for r < rows.
  (func (export "center") (param $x i32) (param $rows i32) (param $ld i32) (param $mu i32)
    (local $p i32) (local $end i32) (local $rowEnd i32) (local $m i32)
    (local.set $p (local.get $x))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $ld)) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $rowEnd (i32.add (local.get $p) (i32.shl (local.get $ld) (i32.const 2))))
        (local.set $m (local.get $mu))
        (loop $column
          (v128.store (local.get $p) (f32x4.sub (v128.load (local.get $p)) (v128.load (local.get $m))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $m (i32.add (local.get $m) (i32.const 16)))
          (br_if $column (i32.lt_u (local.get $p) (local.get $rowEnd))))
        (br $row))))

  ;; Σ_r Σ_c x[r, c]²: float32 lanes within a row, each row's sum added in float64.
  (func (export "sumsq") (param $x i32) (param $rows i32) (param $ld i32) (result f64)
    (local $p i32) (local $end i32) (local $rowEnd i32) (local $acc v128) (local $v v128) (local $pair v128) (local $total f64)
    (local.set $p (local.get $x))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $ld)) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $rowEnd (i32.add (local.get $p) (i32.shl (local.get $ld) (i32.const 2))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (loop $column
          (local.set $v (v128.load (local.get $p)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $column (i32.lt_u (local.get $p) (local.get $rowEnd))))
        (local.set $pair (f64x2.add
          (f64x2.promote_low_f32x4 (local.get $acc))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $acc) (local.get $acc)))))
        (local.set $total (f64.add (local.get $total)
          (f64.add (f64x2.extract_lane 0 (local.get $pair)) (f64x2.extract_lane 1 (local.get $pair)))))
        (br $row)))
    (local.get $total))

  ;; t[r, j] = Σ_c x[r, c] z[c, j] for r < rows (a multiple of 4), j < wp; z is ld × wp, t is rows × wp.
  ;; Tiles of 4 rows × 8 columns of t (then one of 4 rows × 4 when wp is not a multiple of 8):
  ;; per c, 4 broadcast loads of x and 2 loads of z feed 32 multiply-adds.
  (func (export "dots") (param $x i32) (param $rows i32) (param $ld i32) (param $z i32) (param $wp i32) (param $t i32)
    (local $ldb i32) (local $wpb i32) (local $r i32) (local $j i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $zp i32) (local $c i32) (local $tp i32)
    (local $z0 v128) (local $z1 v128) (local $s v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $ldb (i32.shl (local.get $ld) (i32.const 2)))
    (local.set $wpb (i32.shl (local.get $wp) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $rowTile
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $p0 (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $ldb))))
        (local.set $p1 (i32.add (local.get $p0) (local.get $ldb)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $ldb)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $ldb)))
        (local.set $j (i32.const 0))
        ;; 8 columns at a time.
        (block $wideDone
          (loop $wide
            (br_if $wideDone (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $wp)))
            (local.set $a0 (v128.const f32x4 0 0 0 0)) (local.set $a1 (v128.const f32x4 0 0 0 0))
            (local.set $a2 (v128.const f32x4 0 0 0 0)) (local.set $a3 (v128.const f32x4 0 0 0 0))
            (local.set $b0 (v128.const f32x4 0 0 0 0)) (local.set $b1 (v128.const f32x4 0 0 0 0))
            (local.set $b2 (v128.const f32x4 0 0 0 0)) (local.set $b3 (v128.const f32x4 0 0 0 0))
            (local.set $zp (i32.add (local.get $z) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $c (i32.const 0))
            (loop $inner
              (local.set $z0 (v128.load (local.get $zp)))
              (local.set $z1 (v128.load offset=16 (local.get $zp)))
              (local.set $s (v128.load32_splat (i32.add (local.get $p0) (local.get $c))))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $z0))))
              (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $s) (local.get $z1))))
              (local.set $s (v128.load32_splat (i32.add (local.get $p1) (local.get $c))))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $z0))))
              (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $s) (local.get $z1))))
              (local.set $s (v128.load32_splat (i32.add (local.get $p2) (local.get $c))))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $z0))))
              (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $s) (local.get $z1))))
              (local.set $s (v128.load32_splat (i32.add (local.get $p3) (local.get $c))))
              (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $z0))))
              (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $s) (local.get $z1))))
              (local.set $zp (i32.add (local.get $zp) (local.get $wpb)))
              (local.set $c (i32.add (local.get $c) (i32.const 4)))
              (br_if $inner (i32.lt_u (local.get $c) (local.get $ldb))))
            (local.set $tp (i32.add (local.get $t) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $wp)) (local.get $j)) (i32.const 2))))
            (v128.store (local.get $tp) (local.get $a0))
            (v128.store offset=16 (local.get $tp) (local.get $b0))
            (local.set $tp (i32.add (local.get $tp) (local.get $wpb)))
            (v128.store (local.get $tp) (local.get $a1))
            (v128.store offset=16 (local.get $tp) (local.get $b1))
            (local.set $tp (i32.add (local.get $tp) (local.get $wpb)))
            (v128.store (local.get $tp) (local.get $a2))
            (v128.store offset=16 (local.get $tp) (local.get $b2))
            (local.set $tp (i32.add (local.get $tp) (local.get $wpb)))
            (v128.store (local.get $tp) (local.get $a3))
            (v128.store offset=16 (local.get $tp) (local.get $b3))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $wide)))
        ;; The last 4 columns when wp is 4 mod 8.
        (if (i32.lt_u (local.get $j) (local.get $wp))
          (then
            (local.set $a0 (v128.const f32x4 0 0 0 0)) (local.set $a1 (v128.const f32x4 0 0 0 0))
            (local.set $a2 (v128.const f32x4 0 0 0 0)) (local.set $a3 (v128.const f32x4 0 0 0 0))
            (local.set $zp (i32.add (local.get $z) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $c (i32.const 0))
            (loop $narrow
              (local.set $z0 (v128.load (local.get $zp)))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (i32.add (local.get $p0) (local.get $c))) (local.get $z0))))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load32_splat (i32.add (local.get $p1) (local.get $c))) (local.get $z0))))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load32_splat (i32.add (local.get $p2) (local.get $c))) (local.get $z0))))
              (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load32_splat (i32.add (local.get $p3) (local.get $c))) (local.get $z0))))
              (local.set $zp (i32.add (local.get $zp) (local.get $wpb)))
              (local.set $c (i32.add (local.get $c) (i32.const 4)))
              (br_if $narrow (i32.lt_u (local.get $c) (local.get $ldb))))
            (local.set $tp (i32.add (local.get $t) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $wp)) (local.get $j)) (i32.const 2))))
            (v128.store (local.get $tp) (local.get $a0))
            (local.set $tp (i32.add (local.get $tp) (local.get $wpb)))
            (v128.store (local.get $tp) (local.get $a1))
            (local.set $tp (i32.add (local.get $tp) (local.get $wpb)))
            (v128.store (local.get $tp) (local.get $a2))
            (local.set $tp (i32.add (local.get $tp) (local.get $wpb)))
            (v128.store (local.get $tp) (local.get $a3))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rowTile))))

  ;; w[j, c] += Σ_r x[r, c] t[r, j] for r < rows, c < ld, j < wp: the sum over these rows in
  ;; float32, added into w in float64. w is wp × ld float64 (j-major), t is rows × wp float32.
  ;; Tiles of 8 columns of x × 4 of t: per row, 2 loads of x and 4 broadcasts of t feed 32 multiply-adds.
  (func (export "outer") (param $x i32) (param $rows i32) (param $ld i32) (param $t i32) (param $wp i32) (param $w i32)
    (local $ldb i32) (local $wpb i32) (local $c i32) (local $j i32) (local $xp i32) (local $tp i32) (local $n i32) (local $wq i32)
    (local $x0 v128) (local $x1 v128) (local $s v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $ldb (i32.shl (local.get $ld) (i32.const 2)))
    (local.set $wpb (i32.shl (local.get $wp) (i32.const 2)))
    (if (i32.eqz (local.get $rows)) (then (return)))
    (local.set $c (i32.const 0))
    (block $columnsDone
      (loop $columnTile
        (br_if $columnsDone (i32.ge_u (local.get $c) (local.get $ldb)))
        (local.set $j (i32.const 0))
        (loop $jTile
          (local.set $a0 (v128.const f32x4 0 0 0 0)) (local.set $a1 (v128.const f32x4 0 0 0 0))
          (local.set $a2 (v128.const f32x4 0 0 0 0)) (local.set $a3 (v128.const f32x4 0 0 0 0))
          (local.set $b0 (v128.const f32x4 0 0 0 0)) (local.set $b1 (v128.const f32x4 0 0 0 0))
          (local.set $b2 (v128.const f32x4 0 0 0 0)) (local.set $b3 (v128.const f32x4 0 0 0 0))
          (local.set $xp (i32.add (local.get $x) (local.get $c)))
          (local.set $tp (i32.add (local.get $t) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $n (local.get $rows))
          (if (i32.lt_u (i32.add (local.get $c) (i32.const 16)) (local.get $ldb))
            (then
              (loop $row
                (local.set $x0 (v128.load (local.get $xp)))
                (local.set $x1 (v128.load offset=16 (local.get $xp)))
                (local.set $s (v128.load32_splat (local.get $tp)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x0) (local.get $s))))
                (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $x1) (local.get $s))))
                (local.set $s (v128.load32_splat offset=4 (local.get $tp)))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x0) (local.get $s))))
                (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $x1) (local.get $s))))
                (local.set $s (v128.load32_splat offset=8 (local.get $tp)))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x0) (local.get $s))))
                (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $x1) (local.get $s))))
                (local.set $s (v128.load32_splat offset=12 (local.get $tp)))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x0) (local.get $s))))
                (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $x1) (local.get $s))))
                (local.set $xp (i32.add (local.get $xp) (local.get $ldb)))
                (local.set $tp (i32.add (local.get $tp) (local.get $wpb)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br_if $row (local.get $n))))
            (else
              ;; The last 4 columns when ld is 4 mod 8.
              (loop $rowNarrow
                (local.set $x0 (v128.load (local.get $xp)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x0) (v128.load32_splat (local.get $tp)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x0) (v128.load32_splat offset=4 (local.get $tp)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x0) (v128.load32_splat offset=8 (local.get $tp)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x0) (v128.load32_splat offset=12 (local.get $tp)))))
                (local.set $xp (i32.add (local.get $xp) (local.get $ldb)))
                (local.set $tp (i32.add (local.get $tp) (local.get $wpb)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br_if $rowNarrow (local.get $n)))))
          ;; Flush: w[j + i, c .. c + 7] += a_i, b_i in float64 (8 bytes a value, so column byte offset × 2).
          (local.set $wq (i32.add (local.get $w) (i32.add (i32.mul (local.get $j) (i32.shl (local.get $ldb) (i32.const 1))) (i32.shl (local.get $c) (i32.const 1)))))
          (call $flush (local.get $wq) (local.get $a0) (local.get $b0) (i32.lt_u (i32.add (local.get $c) (i32.const 16)) (local.get $ldb)))
          (local.set $wq (i32.add (local.get $wq) (i32.shl (local.get $ldb) (i32.const 1))))
          (call $flush (local.get $wq) (local.get $a1) (local.get $b1) (i32.lt_u (i32.add (local.get $c) (i32.const 16)) (local.get $ldb)))
          (local.set $wq (i32.add (local.get $wq) (i32.shl (local.get $ldb) (i32.const 1))))
          (call $flush (local.get $wq) (local.get $a2) (local.get $b2) (i32.lt_u (i32.add (local.get $c) (i32.const 16)) (local.get $ldb)))
          (local.set $wq (i32.add (local.get $wq) (i32.shl (local.get $ldb) (i32.const 1))))
          (call $flush (local.get $wq) (local.get $a3) (local.get $b3) (i32.lt_u (i32.add (local.get $c) (i32.const 16)) (local.get $ldb)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br_if $jTile (i32.lt_u (local.get $j) (local.get $wp))))
        (local.set $c (i32.add (local.get $c) (i32.const 32)))
        (br $columnTile))))

  ;; w[0..3] += a (float64), and w[4..7] += b when `wide`.
  (func $flush (param $w i32) (param $a v128) (param $b v128) (param $wide i32)
    (v128.store (local.get $w) (f64x2.add (v128.load (local.get $w)) (f64x2.promote_low_f32x4 (local.get $a))))
    (v128.store offset=16 (local.get $w) (f64x2.add (v128.load offset=16 (local.get $w))
      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a) (local.get $a)))))
    (if (local.get $wide)
      (then
        (v128.store offset=32 (local.get $w) (f64x2.add (v128.load offset=32 (local.get $w)) (f64x2.promote_low_f32x4 (local.get $b))))
        (v128.store offset=48 (local.get $w) (f64x2.add (v128.load offset=48 (local.get $w))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $b) (local.get $b))))))))

  ;; sums[c] += x[r, c] (float64, row after row, as a scalar loop would) for r < rows, c < ld;
  ;; returns Σ x² in float64 (each square is exact in float64; four running sums).
  (func (export "moments") (param $x i32) (param $rows i32) (param $ld i32) (param $sums i32) (result f64)
    (local $p i32) (local $end i32) (local $rowEnd i32) (local $s i32) (local $v v128) (local $lo v128) (local $hi v128)
    (local $q0 v128) (local $q1 v128)
    (local.set $p (local.get $x))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $ld)) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $rowEnd (i32.add (local.get $p) (i32.shl (local.get $ld) (i32.const 2))))
        (local.set $s (local.get $sums))
        (loop $column
          (local.set $v (v128.load (local.get $p)))
          (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
          (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))
          (v128.store (local.get $s) (f64x2.add (v128.load (local.get $s)) (local.get $lo)))
          (v128.store offset=16 (local.get $s) (f64x2.add (v128.load offset=16 (local.get $s)) (local.get $hi)))
          (local.set $q0 (f64x2.add (local.get $q0) (f64x2.mul (local.get $lo) (local.get $lo))))
          (local.set $q1 (f64x2.add (local.get $q1) (f64x2.mul (local.get $hi) (local.get $hi))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $s (i32.add (local.get $s) (i32.const 32)))
          (br_if $column (i32.lt_u (local.get $p) (local.get $rowEnd))))
        (br $row)))
    (local.set $q0 (f64x2.add (local.get $q0) (local.get $q1)))
    (f64.add (f64x2.extract_lane 0 (local.get $q0)) (f64x2.extract_lane 1 (local.get $q0))))

  ;; k nearest squared distances, 16 queries (a tile) against every reference row at a time.
  ;; q holds each tile's queries transposed: tile, dimension, then the 16 queries (4 groups of 4
  ;; lanes). Distances are Σ (q − r)² in float32 (no ‖q‖² + ‖r‖² − 2q·r cancellation). A
  ;; reference equal to the query itself (refIndex = qIndex) is skipped. best holds k ascending
  ;; distances per query, worst its k-th (the bar a new distance must pass), both float32.
  (func (export "knn") (param $r i32) (param $refIndex i32) (param $refs i32) (param $cols i32)
      (param $q i32) (param $qIndex i32) (param $tiles i32) (param $best i32) (param $worst i32) (param $k i32) (param $scratch i32)
    (local $tile i32) (local $qt i32) (local $rp i32) (local $rowEnd i32) (local $qp i32) (local $j i32) (local $mask i32)
    (local $tileWorst i32) (local $tileIndex i32)
    (local $i0 v128) (local $i1 v128) (local $i2 v128) (local $i3 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $s v128) (local $d v128) (local $self v128) (local $lt0 v128) (local $lt1 v128) (local $lt2 v128) (local $lt3 v128)
    (local.set $tile (i32.const 0))
    (block $tilesDone
      (loop $tileLoop
        (br_if $tilesDone (i32.ge_u (local.get $tile) (local.get $tiles)))
        (local.set $qt (i32.add (local.get $q) (i32.mul (local.get $tile) (i32.shl (local.get $cols) (i32.const 6)))))
        (local.set $tileIndex (i32.add (local.get $qIndex) (i32.shl (local.get $tile) (i32.const 6))))
        (local.set $tileWorst (i32.add (local.get $worst) (i32.shl (local.get $tile) (i32.const 6))))
        (local.set $i0 (v128.load (local.get $tileIndex)))
        (local.set $i1 (v128.load offset=16 (local.get $tileIndex)))
        (local.set $i2 (v128.load offset=32 (local.get $tileIndex)))
        (local.set $i3 (v128.load offset=48 (local.get $tileIndex)))
        (local.set $w0 (v128.load (local.get $tileWorst)))
        (local.set $w1 (v128.load offset=16 (local.get $tileWorst)))
        (local.set $w2 (v128.load offset=32 (local.get $tileWorst)))
        (local.set $w3 (v128.load offset=48 (local.get $tileWorst)))
        (local.set $rp (local.get $r))
        (local.set $j (i32.const 0))
        (block $refsDone
          (loop $refLoop
            (br_if $refsDone (i32.ge_u (local.get $j) (local.get $refs)))
            (local.set $a0 (v128.const f32x4 0 0 0 0)) (local.set $a1 (v128.const f32x4 0 0 0 0))
            (local.set $a2 (v128.const f32x4 0 0 0 0)) (local.set $a3 (v128.const f32x4 0 0 0 0))
            (local.set $rowEnd (i32.add (local.get $rp) (i32.shl (local.get $cols) (i32.const 2))))
            (local.set $qp (local.get $qt))
            (loop $dim
              (local.set $s (v128.load32_splat (local.get $rp)))
              (local.set $d (f32x4.sub (v128.load (local.get $qp)) (local.get $s)))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $d) (local.get $d))))
              (local.set $d (f32x4.sub (v128.load offset=16 (local.get $qp)) (local.get $s)))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $d) (local.get $d))))
              (local.set $d (f32x4.sub (v128.load offset=32 (local.get $qp)) (local.get $s)))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $d) (local.get $d))))
              (local.set $d (f32x4.sub (v128.load offset=48 (local.get $qp)) (local.get $s)))
              (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $d) (local.get $d))))
              (local.set $qp (i32.add (local.get $qp) (i32.const 64)))
              (local.set $rp (i32.add (local.get $rp) (i32.const 4)))
              (br_if $dim (i32.lt_u (local.get $rp) (local.get $rowEnd))))
            ;; A query's own row is no neighbour: its lane becomes +∞.
            (local.set $self (i32x4.splat (i32.load (i32.add (local.get $refIndex) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $a0 (v128.bitselect (v128.const f32x4 inf inf inf inf) (local.get $a0) (i32x4.eq (local.get $self) (local.get $i0))))
            (local.set $a1 (v128.bitselect (v128.const f32x4 inf inf inf inf) (local.get $a1) (i32x4.eq (local.get $self) (local.get $i1))))
            (local.set $a2 (v128.bitselect (v128.const f32x4 inf inf inf inf) (local.get $a2) (i32x4.eq (local.get $self) (local.get $i2))))
            (local.set $a3 (v128.bitselect (v128.const f32x4 inf inf inf inf) (local.get $a3) (i32x4.eq (local.get $self) (local.get $i3))))
            (local.set $lt0 (f32x4.lt (local.get $a0) (local.get $w0)))
            (local.set $lt1 (f32x4.lt (local.get $a1) (local.get $w1)))
            (local.set $lt2 (f32x4.lt (local.get $a2) (local.get $w2)))
            (local.set $lt3 (f32x4.lt (local.get $a3) (local.get $w3)))
            (if (v128.any_true (v128.or (v128.or (local.get $lt0) (local.get $lt1)) (v128.or (local.get $lt2) (local.get $lt3))))
              (then
                (local.set $mask (i32.or
                  (i32.or (i32x4.bitmask (local.get $lt0)) (i32.shl (i32x4.bitmask (local.get $lt1)) (i32.const 4)))
                  (i32.or (i32.shl (i32x4.bitmask (local.get $lt2)) (i32.const 8)) (i32.shl (i32x4.bitmask (local.get $lt3)) (i32.const 12)))))
                (v128.store (local.get $scratch) (local.get $a0))
                (v128.store offset=16 (local.get $scratch) (local.get $a1))
                (v128.store offset=32 (local.get $scratch) (local.get $a2))
                (v128.store offset=48 (local.get $scratch) (local.get $a3))
                (call $insert (local.get $mask) (local.get $scratch)
                  (i32.add (local.get $best) (i32.mul (i32.shl (local.get $tile) (i32.const 6)) (local.get $k)))
                  (local.get $tileWorst) (local.get $k))
                (local.set $w0 (v128.load (local.get $tileWorst)))
                (local.set $w1 (v128.load offset=16 (local.get $tileWorst)))
                (local.set $w2 (v128.load offset=32 (local.get $tileWorst)))
                (local.set $w3 (v128.load offset=48 (local.get $tileWorst)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $refLoop)))
        (local.set $tile (i32.add (local.get $tile) (i32.const 1)))
        (br $tileLoop))))

  ;; For each query q of the tile whose bit is set in mask: insert distance[q] into its sorted
  ;; k-list (best + q·k·4) and make worst[q] the new k-th.
  (func $insert (param $mask i32) (param $distance i32) (param $best i32) (param $worst i32) (param $k i32)
    (local $query i32) (local $value f32) (local $list i32) (local $p i32) (local $slot i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $mask)))
        (local.set $query (i32.ctz (local.get $mask)))
        (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
        (local.set $value (f32.load (i32.add (local.get $distance) (i32.shl (local.get $query) (i32.const 2)))))
        (local.set $list (i32.add (local.get $best) (i32.shl (i32.mul (local.get $query) (local.get $k)) (i32.const 2))))
        (local.set $p (i32.sub (local.get $k) (i32.const 1)))
        (block $placed
          (loop $shift
            (br_if $placed (i32.eqz (local.get $p)))
            (local.set $slot (i32.add (local.get $list) (i32.shl (local.get $p) (i32.const 2))))
            (br_if $placed (i32.eqz (f32.gt (f32.load offset=0 (i32.sub (local.get $slot) (i32.const 4))) (local.get $value))))
            (f32.store (local.get $slot) (f32.load (i32.sub (local.get $slot) (i32.const 4))))
            (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (br $shift)))
        (f32.store (i32.add (local.get $list) (i32.shl (local.get $p) (i32.const 2))) (local.get $value))
        (f32.store (i32.add (local.get $worst) (i32.shl (local.get $query) (i32.const 2)))
          (f32.load (i32.add (local.get $list) (i32.shl (i32.sub (local.get $k) (i32.const 1)) (i32.const 2)))))
        (br $next))))
)
