/// The kernels of ``Tensor/quantizedLinear(_:weight:bias:)``: `y = x · Wᵀ (+ b)` and
/// `dx = dy · W`, with `W` `[out, in]` kept in its blocks (``QuantizedTensor``, quantized by rows).
///
/// Many input rows (prefill, training) go through BLAS: `W` is decoded a tile of rows at a time
/// into one scratch buffer, and each tile's GEMM writes its columns of `y` in place
/// (`ldc = out`). Up to ``largeTileInputRows`` input rows a tile is small enough to stay in
/// cache, where the GEMM, thin in the input rows too, reads it. From there on the GEMM reuses
/// each weight value that many times and thin tiles only cost it efficiency, so a tile holds up
/// to ``largeTileFloats`` (8 MB): every projection of a small model (SmolLM2: ≤ 1536 × 576) is
/// decoded whole into one GEMM, and only huge weights (a 49152-row head) are still tiled, so the
/// float copy stays bounded. A few rows (batch-1 decoding) are bound by reading `W`; there the
/// fused kernels
/// (`QuantizedMatmul+Fused.swift`) dot `x` with the blocks directly, reading the weight once at
/// its quantized size.
enum QuantizedMatmul {
    /// Up to this many input rows take the fused path; more amortise a tile decode over a GEMM.
    static let fusedRowLimit = 4

    /// Floats in the tile scratch buffer for fewer than ``largeTileInputRows`` input rows
    /// (256 KB: within a core's L2 next to BLAS's own panels).
    static let tileFloats = 1 << 16

    /// From this many input rows on, tiles hold up to ``largeTileFloats``.
    static let largeTileInputRows = 64

    /// Floats in the scratch buffer of a large tile (8 MB).
    static let largeTileFloats = 1 << 21

    /// Rows of `W` per tile for `inputRows` rows of `x` (or of `dy`): below
    /// ``largeTileInputRows``, 16 to 128 rows, as many as fit ``tileFloats``; from there on, as
    /// many as fit ``largeTileFloats`` (at least 16).
    static func tileRows(rowLength: Int, rowCount: Int, inputRows: Int) -> Int {
        let width = Swift.max(1, rowLength)
        let rows = inputRows >= largeTileInputRows ? Swift.max(16, largeTileFloats / width)
                                                   : Swift.max(16, Swift.min(128, tileFloats / width))
        return Swift.max(1, Swift.min(rowCount, rows))
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
        forEachTile(of: weight, inputRows: n) { tile, scratch in
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
        forEachTile(of: weight, inputRows: n) { tile, scratch in
            GEMM.gemm(Float.self, m: n, n: inFeatures, k: tile.count,
                      a: dy + tile.lowerBound, GEMM.Operand(transpose: false, leadingDimension: out),
                      b: scratch, GEMM.Operand(transpose: false, leadingDimension: inFeatures),
                      beta: tile.lowerBound == 0 ? 0 : 1, c: dx, ldc: inFeatures)
        }
    }

    /// Decodes `weight` tile by tile (rows split over threads) into one scratch buffer and calls
    /// `body` with each tile's row range and its floats (`tile.count × rowLength`, row-major);
    /// the tile size suits a GEMM over `inputRows` rows.
    private static func forEachTile(of weight: QuantizedTensor, inputRows: Int,
                                    _ body: (Range<Int>, UnsafePointer<Float>) -> Void) {
        let (out, inFeatures, type) = (weight.rowCount, weight.rowLength, weight.type)
        let tileRows = tileRows(rowLength: inFeatures, rowCount: out, inputRows: inputRows)
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
