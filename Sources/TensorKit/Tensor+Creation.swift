import Foundation

extension Tensor {
    /// A tensor holding `values` (row-major) with `shape`; the dtype follows the element type.
    ///
    /// ```swift
    /// let m = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    /// ```
    public convenience init<T: TensorScalar>(_ values: [T], shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor.init: negative extent in shape \(shape)")
        precondition(values.count == shape.reduce(1, *),
                     "Tensor.init: \(values.count) values do not fill shape \(shape)")
        self.init(uninitializedShape: shape, dtype: T.dtype)
        let destination = pointer(as: T.self)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { destination.update(from: base, count: source.count) }
        }
    }

    /// A one-dimensional tensor holding `values`.
    public convenience init<T: TensorScalar>(_ values: [T]) {
        self.init(values, shape: [values.count])
    }

    /// A rank-0 tensor holding `value`.
    public convenience init<T: TensorScalar>(scalar value: T) {
        self.init([value], shape: [])
    }

    /// A rank-0 tensor of `dtype` holding `value` (converted).
    public convenience init(scalar value: Double, dtype: DType) {
        self.init(uninitializedShape: [], dtype: dtype)
        fill(with: value)
    }

    /// A tensor of `shape` filled with zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(storage: Storage(byteCount: count * dtype.byteSize, zeroed: true),
                      layout: Layout(shape: shape), dtype: dtype)
    }

    /// A tensor of `shape` filled with ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        full(shape, value: 1, dtype: dtype)
    }

    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], value: Double, dtype: DType = .float32) -> Tensor {
        let result = Tensor(uninitializedShape: shape, dtype: dtype)
        result.fill(with: value)
        return result
    }

    /// A tensor of zeros with this tensor's shape and dtype.
    public func zerosLike() -> Tensor { Tensor.zeros(shape, dtype: dtype) }

    /// A tensor of ones with this tensor's shape and dtype.
    public func onesLike() -> Tensor { Tensor.ones(shape, dtype: dtype) }

    /// Values `start, start + step, ...` below `end`, like `torch.arange`.
    public static func arange(_ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .float32) -> Tensor {
        precondition(step != 0, "arange: step must not be zero")
        let count = Swift.max(0, Int((Foundation.ceil((end - start) / step))))
        let result = Tensor(uninitializedShape: [count], dtype: dtype)
        for i in 0..<count { result.setElement(at: i, to: start + Double(i) * step) }
        return result
    }

    /// `count` values evenly spaced from `start` to `end` inclusive, like `torch.linspace`.
    public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float32) -> Tensor {
        precondition(count >= 0, "linspace: count must not be negative, got \(count)")
        let result = Tensor(uninitializedShape: [count], dtype: dtype)
        let step = count > 1 ? (end - start) / Double(count - 1) : 0
        for i in 0..<count { result.setElement(at: i, to: i == count - 1 && count > 1 ? end : start + Double(i) * step) }
        return result
    }

    /// The `n × m` identity matrix (`m` defaults to `n`).
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) -> Tensor {
        let columns = m ?? n
        let result = zeros([n, columns], dtype: dtype)
        for i in 0..<Swift.min(n, columns) { result.setElement(at: i * columns + i, to: 1) }
        return result
    }

    /// Samples uniform in `[low, high)` from `generator` (the thread's default when nil).
    public static func uniform(_ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32,
                               generator: Generator? = nil) -> Tensor {
        precondition(dtype.isFloatingPoint, "uniform: dtype must be float32 or float64, got \(dtype)")
        let rng = generator ?? Generator.default
        let result = Tensor(uninitializedShape: shape, dtype: dtype)
        let width = high - low
        switch dtype {
        case .float32:
            let p = result.pointer(as: Float.self)
            for i in 0..<result.count { p[i] = Float(low + width * rng.nextDouble()) }
        default:
            let p = result.pointer(as: Double.self)
            for i in 0..<result.count { p[i] = low + width * rng.nextDouble() }
        }
        return result
    }

    /// Samples a normal distribution with `mean` and `std` from `generator`.
    public static func normal(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
                              generator: Generator? = nil) -> Tensor {
        precondition(dtype.isFloatingPoint, "normal: dtype must be float32 or float64, got \(dtype)")
        let rng = generator ?? Generator.default
        let result = Tensor(uninitializedShape: shape, dtype: dtype)
        switch dtype {
        case .float32:
            let p = result.pointer(as: Float.self)
            for i in 0..<result.count { p[i] = Float(mean + std * rng.nextNormal()) }
        default:
            let p = result.pointer(as: Double.self)
            for i in 0..<result.count { p[i] = mean + std * rng.nextNormal() }
        }
        return result
    }

    // MARK: - Element access (not for hot paths)

    /// Fills every element (of a contiguous tensor this class allocated) with `value`.
    func fill(with value: Double) {
        let n = count
        switch dtype {
        case .float32: pointer(as: Float.self).update(repeating: Float(value), count: n)
        case .float64: pointer(as: Double.self).update(repeating: value, count: n)
        case .int32: pointer(as: Int32.self).update(repeating: Int32(value), count: n)
        case .int64: pointer(as: Int64.self).update(repeating: Int64(value), count: n)
        case .bool: pointer(as: Bool.self).update(repeating: value != 0, count: n)
        case .float16: pointer(as: UInt16.self).update(repeating: HalfConversion.float16Bits(from: Float(value)), count: n)
        case .bfloat16: pointer(as: UInt16.self).update(repeating: HalfConversion.bfloat16Bits(from: Float(value)), count: n)
        }
    }

    /// Reads the element at storage index `index` (relative to the layout's offset) as Double.
    func element(atStorageIndex index: Int) -> Double {
        let base = storage.pointer
        switch dtype {
        case .float32: return Double(base.assumingMemoryBound(to: Float.self)[index])
        case .float64: return base.assumingMemoryBound(to: Double.self)[index]
        case .int32: return Double(base.assumingMemoryBound(to: Int32.self)[index])
        case .int64: return Double(base.assumingMemoryBound(to: Int64.self)[index])
        case .bool: return base.assumingMemoryBound(to: Bool.self)[index] ? 1 : 0
        case .float16: return Double(HalfConversion.float(fromFloat16: base.assumingMemoryBound(to: UInt16.self)[index]))
        case .bfloat16: return Double(HalfConversion.float(fromBFloat16: base.assumingMemoryBound(to: UInt16.self)[index]))
        }
    }

    /// Writes element `i` of a contiguous tensor (offset-relative).
    func setElement(at i: Int, to value: Double) {
        let index = layout.offset + i
        let base = storage.pointer
        switch dtype {
        case .float32: base.assumingMemoryBound(to: Float.self)[index] = Float(value)
        case .float64: base.assumingMemoryBound(to: Double.self)[index] = value
        case .int32: base.assumingMemoryBound(to: Int32.self)[index] = Int32(value)
        case .int64: base.assumingMemoryBound(to: Int64.self)[index] = Int64(value)
        case .bool: base.assumingMemoryBound(to: Bool.self)[index] = value != 0
        case .float16: base.assumingMemoryBound(to: UInt16.self)[index] = HalfConversion.float16Bits(from: Float(value))
        case .bfloat16: base.assumingMemoryBound(to: UInt16.self)[index] = HalfConversion.bfloat16Bits(from: Float(value))
        }
    }

    /// The elements in row-major order, converted to `T`.
    ///
    /// ```swift
    /// Tensor([1, 2, 3] as [Float]).scalars(as: Float.self)   // [1.0, 2.0, 3.0]
    /// ```
    public func scalars<T: TensorScalar>(as type: T.Type) -> [T] {
        if T.dtype == dtype {
            let source = contiguous()
            let p = source.pointer(as: T.self)
            return Array(UnsafeBufferPointer(start: p, count: count))
        }
        var result: [T] = []
        result.reserveCapacity(count)
        forEachStorageIndex { result.append(T(fromDouble: element(atStorageIndex: $0))) }
        return result
    }

    /// The single element of a one-element tensor, as Double.
    public func item() -> Double {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return element(atStorageIndex: layout.offset)
    }

    /// The single element of a one-element tensor, converted to `T`.
    public func item<T: TensorScalar>(as type: T.Type) -> T { T(fromDouble: item()) }

    /// Calls `body` with the storage index of every element in row-major order.
    func forEachStorageIndex(_ body: (Int) -> Void) {
        let n = count
        if n == 0 { return }
        var index = [Int](repeating: 0, count: rank)
        var position = layout.offset
        for _ in 0..<n {
            body(position)
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                position += layout.strides[axis]
                if index[axis] < layout.shape[axis] { break }
                position -= layout.strides[axis] * layout.shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
