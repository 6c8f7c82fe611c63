#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// The gating of SwiGLU, `silu(a) · b`, and its backward, over rows whose gate and up halves
/// may sit side by side in one buffer (the packed gate/up product) or in two.
///
/// Operands are described by a base pointer and a row stride, so the packed `[N, 2H]` product
/// (gate at column 0, up at column `H`, stride `2H`) and two separate `[N, H]` tensors (stride
/// `H`) run through the same loops, and so does the gradient: one `[N, 2H]` buffer for the packed
/// product (what its GEMM backward reads), or two. The formula is written once over
/// ``FloatLanes``: eight float32 lanes in the body of a row, one element in its tail, float64
/// element by element.
enum SiLUGateKernel {
    /// A row-major operand: row `r`, column `c` is at `base + r·stride + c`.
    struct Rows<T> {
        var base: UnsafeMutablePointer<T>
        var stride: Int
        @inline(__always) func row(_ r: Int) -> UnsafeMutablePointer<T> { base + r * stride }
    }

    /// `silu(a) · b`.
    @inline(__always)
    static func value<V: FloatLanes>(_ a: V, _ b: V) -> V { a * ActivationFunctions.Sigmoid()(a) * b }

    /// `(∂/∂a, ∂/∂b)` of `g · silu(a) · b`: `g·b·s·(1 + a(1 − s))` and `g·a·s`, `s = sigmoid(a)`.
    @inline(__always)
    static func gradients<V: FloatLanes>(_ g: V, _ a: V, _ b: V) -> (V, V) {
        let s = ActivationFunctions.Sigmoid()(a)
        return (g * b * s * (a * (V(1) - s) + V(1)), g * a * s)
    }

    /// The work of one element, for ``Parallel``'s threshold (a sigmoid and a few products).
    private static let costPerElement = 10

    /// `out[r, c] = silu(gate[r, c]) · up[r, c]` for `r < rows`, `c < width`.
    static func forward(gate: Rows<Float>, up: Rows<Float>, out: Rows<Float>, rows: Int, width: Int) {
        let lanes = VectorMath.FloatVector.scalarCount
        Parallel.forRanges(rows, costPerItem: width * costPerElement) { range in
            for r in range {
                let (a, b, o) = (gate.row(r), up.row(r), out.row(r))
                var c = 0
                while c + lanes <= width {
                    VectorMath.store(value(VectorMath.load(a + c), VectorMath.load(b + c)), o + c)
                    c += lanes
                }
                while c < width { o[c] = value(a[c], b[c]); c += 1 }
            }
        }
    }

    /// The float64 forward, element by element.
    static func forward(gate: Rows<Double>, up: Rows<Double>, out: Rows<Double>, rows: Int, width: Int) {
        Parallel.forRanges(rows, costPerItem: width * costPerElement) { range in
            for r in range {
                let (a, b, o) = (gate.row(r), up.row(r), out.row(r))
                for c in 0..<width { o[c] = value(a[c], b[c]) }
            }
        }
    }

    /// `dGate`, `dUp` from the output gradient `g` and the saved operands.
    static func backward(_ g: Rows<Float>, gate: Rows<Float>, up: Rows<Float>, dGate: Rows<Float>, dUp: Rows<Float>,
                         rows: Int, width: Int) {
        let lanes = VectorMath.FloatVector.scalarCount
        Parallel.forRanges(rows, costPerItem: width * costPerElement) { range in
            for r in range {
                let (gr, a, b, da, db) = (g.row(r), gate.row(r), up.row(r), dGate.row(r), dUp.row(r))
                var c = 0
                while c + lanes <= width {
                    let (x, y) = gradients(VectorMath.load(gr + c), VectorMath.load(a + c), VectorMath.load(b + c))
                    VectorMath.store(x, da + c)
                    VectorMath.store(y, db + c)
                    c += lanes
                }
                while c < width { (da[c], db[c]) = gradients(gr[c], a[c], b[c]); c += 1 }
            }
        }
    }

    /// The float64 backward, element by element.
    static func backward(_ g: Rows<Double>, gate: Rows<Double>, up: Rows<Double>, dGate: Rows<Double>, dUp: Rows<Double>,
                         rows: Int, width: Int) {
        Parallel.forRanges(rows, costPerItem: width * costPerElement) { range in
            for r in range {
                let (gr, a, b, da, db) = (g.row(r), gate.row(r), up.row(r), dGate.row(r), dUp.row(r))
                for c in 0..<width { (da[c], db[c]) = gradients(gr[c], a[c], b[c]) }
            }
        }
    }
}
