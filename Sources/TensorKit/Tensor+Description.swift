import Foundation

/// Printing, in the style of PyTorch and NumPy:
///
/// ```
/// tensor([[1.0000, 2.0000],
///         [3.0000, 4.0000]], dtype: float32, shape: [2, 2])
/// ```
///
/// One bracket per axis, columns right-aligned to the widest entry. Tensors of more than 1000
/// elements are summarised with `...`, keeping the first and last 3 entries of each long axis.
/// Floats get 4 decimals, or scientific notation when their magnitudes span too much (PyTorch's
/// rule); integers print without decimals and bools as `true`/`false`.
extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// The values with dtype and shape, plus `requiresGrad: true` when set.
    public var description: String { TensorPrinter.render(self, debug: false) }

    /// Like ``description``, plus the layout (strides, offset) and the op that produced the tensor.
    public var debugDescription: String { TensorPrinter.render(self, debug: true) }
}

enum TensorPrinter {
    /// Above this many elements the printout is summarised.
    static let threshold = 1000
    /// Entries kept at each end of a summarised axis.
    static let edgeItems = 3
    /// Rows of the innermost axis wrap at this many characters.
    static let lineWidth = 80

    private enum Value {
        case float(Double), integer(Int64), bool(Bool)
    }

    static func render(_ t: Tensor, debug: Bool) -> String {
        var suffix = ", dtype: \(t.dtype), shape: \(t.shape)"
        if debug { suffix += ", strides: \(t.strides), offset: \(t.layout.offset)" }
        if t.requiresGrad { suffix += ", requiresGrad: true" }
        if debug, let node = t.gradFn { suffix += ", gradFn: \(node.name)" }
        if t.count == 0 { return "tensor([]\(suffix))" }

        let summarize = t.count > threshold
        // The indices shown along each axis (all of them unless summarised and long).
        let shown: [[Int]] = t.shape.map { n in
            summarize && n > 2 * edgeItems ? Array(0..<edgeItems) + Array((n - edgeItems)..<n) : Array(0..<n)
        }
        let cells = format(values(of: t, shown: shown))
        let width = cells.map(\.count).max() ?? 0
        let padded = cells.map { String(repeating: " ", count: width - $0.count) + $0 }
        if t.rank == 0 { return "tensor(\(padded[0])\(suffix))" }

        var next = 0
        func build(_ axis: Int, _ indent: Int) -> String {
            let cut = shown[axis].count < t.shape[axis]
            var parts: [String] = []
            for k in shown[axis].indices {
                if cut && k == edgeItems { parts.append(axis == t.rank - 1 ? " ..." : "...") }
                if axis == t.rank - 1 {
                    parts.append(padded[next])
                    next += 1
                } else {
                    parts.append(build(axis + 1, indent + 1))
                }
            }
            let margin = String(repeating: " ", count: indent + 1)
            if axis < t.rank - 1 {
                let separator = "," + String(repeating: "\n", count: t.rank - axis - 1) + margin
                return "[" + parts.joined(separator: separator) + "]"
            }
            let perLine = Swift.max(1, (lineWidth - indent) / (width + 2))
            let lines = stride(from: 0, to: parts.count, by: perLine).map {
                parts[$0..<Swift.min($0 + perLine, parts.count)].joined(separator: ", ")
            }
            return "[" + lines.joined(separator: ",\n" + margin) + "]"
        }
        return "tensor(" + build(0, "tensor(".count) + suffix + ")"
    }

    /// The shown elements in row-major order.
    private static func values(of t: Tensor, shown: [[Int]]) -> [Value] {
        var result: [Value] = []
        var position = [Int](repeating: 0, count: t.rank)
        var index = [Int](repeating: 0, count: t.rank)
        let total = shown.reduce(1) { $0 * $1.count }
        result.reserveCapacity(total)
        let base = t.storage.pointer
        for _ in 0..<total {
            for axis in 0..<t.rank { index[axis] = shown[axis][position[axis]] }
            let s = t.layout.storageIndex(index)
            switch t.dtype {
            case .int32: result.append(.integer(Int64(base.assumingMemoryBound(to: Int32.self)[s])))
            case .int64: result.append(.integer(base.assumingMemoryBound(to: Int64.self)[s]))
            case .bool: result.append(.bool(base.assumingMemoryBound(to: Bool.self)[s]))
            default: result.append(.float(t.element(atStorageIndex: s)))
            }
            var axis = t.rank - 1
            while axis >= 0 {
                position[axis] += 1
                if position[axis] < shown[axis].count { break }
                position[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// Text for each value, before padding. Floats share one notation, chosen from the finite
    /// non-zero magnitudes as PyTorch does.
    private static func format(_ values: [Value]) -> [String] {
        var magnitudes: [Double] = []
        var allIntegral = true
        for case .float(let v) in values where v.isFinite {
            if v != v.rounded() { allIntegral = false }
            if v != 0 { magnitudes.append(Swift.abs(v)) }
        }
        var scientific = false
        if let largest = magnitudes.max(), let smallest = magnitudes.min() {
            scientific = allIntegral ? largest > 1e8 : (largest / smallest > 1000 || largest > 1e8 || smallest < 1e-4)
        }
        return values.map { value in
            switch value {
            case .integer(let v): return String(v)
            case .bool(let v): return v ? "true" : "false"
            case .float(let v):
                if v.isNaN { return "nan" }
                if v.isInfinite { return v < 0 ? "-inf" : "inf" }
                return String(format: scientific ? "%.4e" : "%.4f", v)
            }
        }
    }
}
