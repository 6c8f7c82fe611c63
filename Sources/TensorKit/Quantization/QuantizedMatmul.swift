/// The kernels of ``Tensor/quantizedLinear(_:weight:bias:)``: `y = x · Wᵀ (+ b)` and
/// `dx = dy · W`, with `W` `[out, in]` kept in its blocks (``QuantizedTensor``, quantized by rows).
///
/// Many input rows (prefill, training) go through BLAS: `W` is decoded a tile of rows at a time
/// into one reused scratch buffer small enough to stay in cache, and each tile's GEMM writes its
/// columns of `y` in place (`ldc = out`), so the float weight never exists whole. A few rows
/// (batch-1 decoding) are bound by reading `W`; there the fused kernels
/// (`QuantizedMatmul+Fused.swift`) dot `x` with the blocks directly, reading the weight once at
/// its quantized size.
enum QuantizedMatmul {
    /// Up to this many input rows take the fused path; more amortise a tile decode over a GEMM.
    static let fusedRowLimit = 4

    /// Floats in the tile scratch buffer (256 KB: within a core's L2 next to BLAS's own panels).
    static let tileFloats = 1 << 16

    /// Rows of `W` per tile: 16 to 128, as many as fit ``tileFloats``.
    static func tileRows(rowLength: Int, rowCount: Int) -> Int {
        Swift.max(1, Swift.min(rowCount, Swift.max(16, Swift.min(128, tileFloats / Swift.max(1, rowLength)))))
    }

    /// `y [n, out] = x [n, in] · Wᵀ + bias` (contiguous row-major buffers; `bias` `[out]` or nil).
    static func forward(_ x: UnsafePointer<Float>, rows n: Int, weight: QuantizedTensor,
                        bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let (out, inFeatures) = (weight.rowCount, weight.rowLength)
        guard n > 0, out > 0 else { return }
        if n <= fusedRowLimit && inFeatures > 0 {
            FusedQuantizedRows.forward(x, rows: n, weight: weight, bias: bias, into: y)
            return
        }
        for row in 0..<n {
            if let bias { (y + row * out).update(from: bias, count: out) } else { (y + row * out).update(repeating: 0, count: out) }
        }
        guard inFeatures > 0 else { return }
        forEachTile(of: weight) { tile, scratch in
            GEMM.gemm(Float.self, m: n, n: tile.count, k: inFeatures,
                      a: x, GEMM.Operand(transpose: false, leadingDimension: inFeatures),
                      b: scratch, GEMM.Operand(transpose: true, leadingDimension: inFeatures),
                      beta: 1, c: y + tile.lowerBound, ldc: out)
        }
    }

    /// `dx [n, in] = dy [n, out] · W`, a tile's rows of `W` against the matching columns of `dy`,
    /// summed over tiles by the GEMM itself (`beta = 1` after the first).
    static func inputGradient(_ dy: UnsafePointer<Float>, rows n: Int, weight: QuantizedTensor,
                              into dx: UnsafeMutablePointer<Float>) {
        let (out, inFeatures) = (weight.rowCount, weight.rowLength)
        guard n > 0, inFeatures > 0 else { return }
        guard out > 0 else { dx.update(repeating: 0, count: n * inFeatures); return }
        forEachTile(of: weight) { tile, scratch in
            GEMM.gemm(Float.self, m: n, n: inFeatures, k: tile.count,
                      a: dy + tile.lowerBound, GEMM.Operand(transpose: false, leadingDimension: out),
                      b: scratch, GEMM.Operand(transpose: false, leadingDimension: inFeatures),
                      beta: tile.lowerBound == 0 ? 0 : 1, c: dx, ldc: inFeatures)
        }
    }

    /// Decodes `weight` tile by tile (rows split over threads) into one scratch buffer and calls
    /// `body` with each tile's row range and its floats (`tile.count × rowLength`, row-major).
    private static func forEachTile(of weight: QuantizedTensor,
                                    _ body: (Range<Int>, UnsafePointer<Float>) -> Void) {
        let (out, inFeatures, type) = (weight.rowCount, weight.rowLength, weight.type)
        let tileRows = tileRows(rowLength: inFeatures, rowCount: out)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * inFeatures)
        defer { scratch.deallocate() }
        weight.withUnsafeBlocks { base in
            var start = 0
            while start < out {
                let tile = start..<Swift.min(out, start + tileRows)
                Parallel.forRanges(tile.count, costPerItem: inFeatures) { rows in
                    type.dequantizeRows((tile.lowerBound + rows.lowerBound)..<(tile.lowerBound + rows.upperBound),
                                        rowLength: inFeatures, of: base, into: scratch + rows.lowerBound * inFeatures)
                }
                body(tile, scratch)
                start = tile.upperBound
            }
        }
    }
}
