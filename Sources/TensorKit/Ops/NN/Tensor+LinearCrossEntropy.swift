extension Tensor {
    /// The mean cross-entropy of the logits `hidden · weightᵀ + bias` against `targets`, without
    /// ever holding the `[rows, classes]` logits: a language model's output head and loss in one
    /// op (``linear(_:weight:bias:)`` then ``crossEntropy(logits:targets:ignoreIndex:labelSmoothing:reduction:)``,
    /// equal up to float rounding).
    ///
    /// The rows that have a target go through in chunks of at most `chunkElements` logits
    /// (at least one row): one GEMM for the chunk's logits, one
    /// log-softmax per row, and, when a backward will run, the chunk's logit gradient
    /// `(softmax − onehot) / count` written over its logits, then `dHidden = dLogits · weight` and
    /// `dWeight += dLogitsᵀ · hidden` (only for a trainable weight). The gradients are computed
    /// here in the forward, as Liger-Kernel's fused linear cross-entropy does, rather than
    /// recomputing the logits in the backward: that would be a fourth GEMM as wide as the
    /// vocabulary, the widest product of a small model. The backward only scales the kept
    /// gradients by the upstream one (usually 1: nothing to do). Without grad mode, or with no
    /// input requiring a gradient, only the loss is computed.
    ///
    /// - Parameters:
    ///   - hidden: `[rows, in]` float32/float64 (or `[..., in]`, flattened).
    ///   - weight: `[classes, in]`, the head's matrix (a tied embedding matrix as is).
    ///   - bias: `[classes]` or nil.
    ///   - targets: int32/int64 with `rows` elements; `ignoreIndex` entries contribute nothing and
    ///     are left out of the mean (a mean over no targets is NaN, as in PyTorch).
    ///   - ignoreIndex: the target value that marks a row without a target (PyTorch's -100).
    ///   - chunkElements: the most logits (rows × classes) held at once.
    ///
    /// ```swift
    /// let loss = Tensor.linearCrossEntropy(hidden, weight: embedding.weight, targets: nextIDs)
    /// ```
    public static func linearCrossEntropy(_ hidden: Tensor, weight: Tensor, bias: Tensor? = nil, targets: Tensor,
                                          ignoreIndex: Int = -100,
                                          chunkElements: Int = linearCrossEntropyChunkElements) -> Tensor {
        let op = "linearCrossEntropy"
        precondition(hidden.rank >= 1 && weight.rank == 2 && hidden.shape[hidden.rank - 1] == weight.shape[1],
                     "\(op): hidden \(hidden.shape) and weight \(weight.shape) do not fit ([..., in] and [classes, in])")
        precondition(hidden.dtype.isFloatingPoint && weight.dtype == hidden.dtype,
                     "\(op): hidden and weight must share a float dtype, got \(hidden.dtype) and \(weight.dtype)")
        return fusedHeadLoss(op, hidden, weight: .dense(weight.detachedContiguous()), classes: weight.shape[0],
                             weightInput: weight, bias: bias, targets: targets, ignoreIndex: ignoreIndex,
                             chunkElements: chunkElements)
    }

    /// ``linearCrossEntropy(_:weight:bias:targets:ignoreIndex:chunkElements:)`` with a frozen head
    /// matrix kept in its blocks (a quantized tied embedding, say): each chunk's logits and
    /// hidden gradient are products with the blocks decoded a tile at a time, as
    /// ``quantizedLinear(_:weight:bias:)`` does, so the `[classes, in]` floats are never held.
    /// `hidden` is float32; `weight` `[classes, in]` of a dequantizable type; `bias` float32 or nil.
    /// Gradients reach `hidden` and `bias`, never the weight.
    ///
    /// ```swift
    /// let head = try gguf.quantizedTensor(named: "token_embd.weight")   // Q8_0 [49152, 576]
    /// let loss = Tensor.quantizedLinearCrossEntropy(hidden, weight: head, targets: nextIDs)
    /// ```
    public static func quantizedLinearCrossEntropy(_ hidden: Tensor, weight: QuantizedTensor, bias: Tensor? = nil,
                                                   targets: Tensor, ignoreIndex: Int = -100,
                                                   chunkElements: Int = linearCrossEntropyChunkElements) -> Tensor {
        let op = "quantizedLinearCrossEntropy"
        precondition(hidden.rank >= 1 && weight.shape.count == 2 && hidden.shape[hidden.rank - 1] == weight.shape[1],
                     "\(op): hidden \(hidden.shape) and \(weight.type.name) weight \(weight.shape) do not fit ([..., in] and [classes, in])")
        precondition(weight.type.isDequantizable, "\(op): \(weight.type.name) weight \(weight.shape) cannot be dequantized")
        precondition(hidden.dtype == .float32, "\(op): needs float32 hidden states, got \(hidden.dtype) \(hidden.shape)")
        return fusedHeadLoss(op, hidden, weight: .blocks(weight), classes: weight.shape[0], weightInput: nil,
                             bias: bias, targets: targets, ignoreIndex: ignoreIndex, chunkElements: chunkElements)
    }

    /// The checks, chunk loop and record shared by both fused head losses; `weightInput` is the
    /// dense weight as recorded (nil for blocks, which take no gradient).
    private static func fusedHeadLoss(_ op: String, _ hidden: Tensor, weight: LinearCrossEntropyHead.Matrix, classes: Int,
                                      weightInput: Tensor?, bias: Tensor?, targets: Tensor, ignoreIndex: Int,
                                      chunkElements: Int) -> Tensor {
        let width = hidden.shape[hidden.rank - 1]
        let rows = hidden.count / Swift.max(width, 1)
        if let bias {
            precondition(bias.shape == [classes] && bias.dtype == hidden.dtype,
                         "\(op): bias must be \(hidden.dtype) [\(classes)], got \(bias.dtype) \(bias.shape)")
        }
        precondition(chunkElements > 0, "\(op): chunkElements must be positive, got \(chunkElements)")
        precondition(targets.dtype.isInteger && targets.count == rows,
                     "\(op): targets must be int with \(rows) elements (hidden \(hidden.shape)), got \(targets.dtype) \(targets.shape)")
        let labels = targets.indexValues(op: op)
        var kept: [Int] = []
        for (row, label) in labels.enumerated() where label != ignoreIndex {
            precondition(label >= 0 && label < classes, "\(op): target \(label) is out of range for \(classes) classes")
            kept.append(row)
        }
        let inputs = [hidden] + (weightInput.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
        let recording = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
        let head = LinearCrossEntropyHead(
            hidden: hidden.detachedContiguous(), weight: weight, bias: bias?.detachedContiguous(),
            rows: rows, classes: classes, width: width,
            hiddenGradient: recording && hidden.requiresGrad, weightGradient: recording && weightInput?.requiresGrad == true,
            biasGradient: recording && bias?.requiresGrad == true)
        let total = hidden.dtype == .float32
            ? head.run(Float.self, labels: labels, kept: kept, chunkElements: chunkElements, gradients: recording)
            : head.run(Double.self, labels: labels, kept: kept, chunkElements: chunkElements, gradients: recording)
        let loss = Tensor(scalar: total / Double(kept.count), dtype: hidden.dtype)
        // The gradients only: the operands (the hidden states, a detached view of the head's
        // matrix) are done with once the forward has computed them.
        let hiddenShape = hidden.shape
        let (dHidden, dWeight, dBias) = (head.dHidden, head.dWeight, head.dBias)
        let (hasWeight, hasBias) = (weightInput != nil, bias != nil)
        return Tensor.record(op, output: loss, inputs: inputs) { gradient in
            let g: Double = gradient.item()
            func scaled(_ t: Tensor?) -> Tensor? { g == 1 ? t : t.map { $0 * g } }
            return [scaled(dHidden?.reshape(hiddenShape))] + (hasWeight ? [scaled(dWeight)] : [])
                + (hasBias ? [scaled(dBias)] : [])
        }
    }

    /// The default most logits (rows × classes) ``linearCrossEntropy(_:weight:bias:targets:ignoreIndex:chunkElements:)``
    /// holds at once: 32 MB of float32, 128 rows of a 49,152-token vocabulary. Smaller chunks save
    /// little more and make the weight-gradient update (a read and write of the whole `dWeight`
    /// per chunk) more frequent.
    public static let linearCrossEntropyChunkElements = 1 << 23
}

/// The operands, chunk loop and gradients of one ``Tensor/linearCrossEntropy(_:weight:bias:targets:ignoreIndex:chunkElements:)``.
final class LinearCrossEntropyHead {
    /// The head's matrix `[classes, in]`: a float tensor, or frozen blocks decoded tile by tile.
    enum Matrix {
        case dense(Tensor)
        case blocks(QuantizedTensor)
    }

    let hidden: Tensor, weight: Matrix, bias: Tensor?
    let rows: Int, classes: Int, width: Int
    /// `[rows, in]`, zero for rows without a target.
    let dHidden: Tensor?
    /// `[classes, in]`.
    let dWeight: Tensor?
    /// `[classes]`.
    let dBias: Tensor?

    init(hidden: Tensor, weight: Matrix, bias: Tensor?, rows: Int, classes: Int, width: Int,
         hiddenGradient: Bool, weightGradient: Bool, biasGradient: Bool) {
        (self.hidden, self.weight, self.bias) = (hidden, weight, bias)
        (self.rows, self.classes, self.width) = (rows, classes, width)
        dHidden = hiddenGradient ? Tensor.zeros([rows, width], dtype: hidden.dtype) : nil
        dWeight = weightGradient ? Tensor.zeros([classes, width], dtype: hidden.dtype) : nil
        dBias = biasGradient ? Tensor.zeros([classes], dtype: hidden.dtype) : nil
    }

    /// The summed loss of the `kept` rows; with `gradients`, also the gradients of the mean.
    func run<T: KernelFloat>(_: T.Type, labels: [Int], kept: [Int], chunkElements: Int, gradients: Bool) -> Double {
        guard !kept.isEmpty else { return 0 }
        let chunkLimit = Swift.max(1, chunkElements / Swift.max(classes, 1))
        let chunkCount = (kept.count + chunkLimit - 1) / chunkLimit
        let chunkRows = (kept.count + chunkCount - 1) / chunkCount
        let (c, d) = (classes, width)
        let h = hidden.pointer(as: T.self)
        let scale = gradients ? 1 / T(kept.count) : nil
        // Scratch reused by every chunk: the gathered hidden rows, their logits (then gradients),
        // their labels, losses and hidden gradients.
        let rowsIn = UnsafeMutablePointer<T>.allocate(capacity: chunkRows * d)
        let logits = UnsafeMutablePointer<T>.allocate(capacity: chunkRows * c)
        let rowsOut = UnsafeMutablePointer<T>.allocate(capacity: chunkRows * d)
        let chunkLabels = UnsafeMutablePointer<Int>.allocate(capacity: chunkRows)
        let losses = UnsafeMutablePointer<T>.allocate(capacity: chunkRows)
        defer {
            rowsIn.deallocate(); logits.deallocate(); rowsOut.deallocate(); chunkLabels.deallocate(); losses.deallocate()
        }
        var total = 0.0
        for start in stride(from: 0, to: kept.count, by: chunkRows) {
            let chunk = kept[start..<Swift.min(start + chunkRows, kept.count)]
            let m = chunk.count
            for (i, row) in chunk.enumerated() {
                (rowsIn + i * d).update(from: h + row * d, count: d)
                chunkLabels[i] = labels[row]
            }
            chunkLogits(rowsIn, rows: m, into: logits)
            CrossEntropyKernel.lossAndGradientInPlace(logits, chunkLabels, rows: m, classes: c, scale: scale, losses: losses)
            for i in 0..<m { total += Double(losses[i]) }
            guard gradients else { continue }
            if let dBias {
                let db = dBias.pointer(as: T.self)
                for i in 0..<m {
                    let row = logits + i * c
                    for j in 0..<c { db[j] += row[j] }
                }
            }
            if let dHidden {
                chunkHiddenGradient(logits, rows: m, into: rowsOut)
                let dh = dHidden.pointer(as: T.self)
                for (i, row) in chunk.enumerated() { (dh + row * d).update(from: rowsOut + i * d, count: d) }
            }
            if let dWeight {
                GEMM.gemm(transA: true, transB: false, m: c, n: d, k: m, alpha: T(1), a: logits, lda: c, b: rowsIn, ldb: d,
                          beta: T(1), c: dWeight.pointer(as: T.self), ldc: d)
            }
        }
        withExtendedLifetime((hidden, weight, bias)) {}
        return total
    }

    /// `logits [m, classes] = rows [m, in] · weightᵀ + bias`.
    private func chunkLogits<T: KernelFloat>(_ rows: UnsafePointer<T>, rows m: Int, into logits: UnsafeMutablePointer<T>) {
        switch weight {
        case .dense(let matrix):
            if let bias {
                let b = bias.pointer(as: T.self)
                for i in 0..<m { (logits + i * classes).update(from: b, count: classes) }
            }
            GEMM.gemm(transA: false, transB: true, m: m, n: classes, k: width, alpha: T(1), a: rows, lda: width,
                      b: matrix.pointer(as: T.self), ldb: width, beta: T(bias == nil ? 0 : 1), c: logits, ldc: classes)
        case .blocks(let blocks):
            // Blocks only come with float32 operands (checked by the op).
            QuantizedMatmul.forward(Self.floats(rows), rows: m, weight: blocks,
                                    bias: bias.map { UnsafePointer($0.pointer(as: Float.self)) }, into: Self.floats(logits))
        }
    }

    /// `dRows [m, in] = dLogits [m, classes] · weight`.
    private func chunkHiddenGradient<T: KernelFloat>(_ dLogits: UnsafePointer<T>, rows m: Int, into dRows: UnsafeMutablePointer<T>) {
        switch weight {
        case .dense(let matrix):
            GEMM.gemm(transA: false, transB: false, m: m, n: width, k: classes, alpha: T(1), a: dLogits, lda: classes,
                      b: matrix.pointer(as: T.self), ldb: width, beta: T(0), c: dRows, ldc: width)
        case .blocks(let blocks):
            QuantizedMatmul.inputGradient(Self.floats(dLogits), rows: m, weight: blocks, into: Self.floats(dRows))
        }
    }

    private static func floats<T>(_ p: UnsafePointer<T>) -> UnsafePointer<Float> {
        UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    private static func floats<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }
}
