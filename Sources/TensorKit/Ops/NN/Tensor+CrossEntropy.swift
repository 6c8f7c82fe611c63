/// How a loss combines its per-example values, as PyTorch's `reduction` argument.
public enum LossReduction: Sendable {
    /// One loss per example (ignored examples give 0).
    case none
    /// The sum over examples.
    case sum
    /// The mean over the examples that are not ignored.
    case mean
}

extension Tensor {
    /// Cross-entropy between `logits` and integer class `targets`, fused: one log-softmax per row
    /// forward, one pass backward (`softmax − target distribution`), as `torch.nn.functional.cross_entropy`.
    ///
    /// - Parameters:
    ///   - logits: `[N, C]` float32/float64 scores, or `[B, T, C]` (any leading axes, flattened).
    ///   - targets: int32/int64 class ids with the logits' leading shape (or flat `[N]`).
    ///   - ignoreIndex: targets equal to this contribute no loss and no gradient, and are left out
    ///     of the mean (as in PyTorch, a mean over no targets is NaN).
    ///   - labelSmoothing: ε in [0, 1]; the target distribution is `(1 − ε)·onehot + ε/C`.
    ///   - reduction: `.mean` (default), `.sum`, or `.none` (shape of `targets`).
    ///
    /// ```swift
    /// let loss = Tensor.crossEntropy(logits: scores, targets: Tensor([2, 0] as [Int32]))
    /// ```
    public static func crossEntropy(logits: Tensor, targets: Tensor, ignoreIndex: Int = -100,
                                    labelSmoothing: Double = 0, reduction: LossReduction = .mean) -> Tensor {
        precondition(logits.rank >= 2, "crossEntropy: logits must be [N, C] or [B, T, C], got shape \(logits.shape)")
        precondition(logits.dtype.isFloatingPoint, "crossEntropy: logits must be float32 or float64, got \(logits.dtype)")
        precondition(targets.dtype.isInteger, "crossEntropy: targets must be int32 or int64, got \(targets.dtype) (shape \(targets.shape))")
        precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
        let classes = logits.shape[logits.rank - 1]
        let rows = logits.count / Swift.max(classes, 1)
        precondition(classes > 0, "crossEntropy: logits of shape \(logits.shape) have no classes")
        precondition(targets.shape == Array(logits.shape.dropLast()) || targets.shape == [rows],
                     "crossEntropy: targets of shape \(targets.shape) do not match logits of shape \(logits.shape)")
        let labels = targets.indexValues(op: "crossEntropy")
        var count = 0
        for label in labels where label != ignoreIndex {
            precondition(label >= 0 && label < classes,
                         "crossEntropy: target \(label) is out of range for \(classes) classes (logits shape \(logits.shape))")
            count += 1
        }
        let x = logits.detachedContiguous()
        let losses = Tensor(uninitializedShape: targets.shape, dtype: logits.dtype)
        let lse = Tensor(uninitializedShape: [rows], dtype: logits.dtype)
        // The forward has the exponentials at hand: keeping the softmax saves the backward a
        // second exp pass (PyTorch keeps the log-softmax likewise). Only when a backward will run,
        // and not for huge vocabularies, where the extra [N, C] buffer would cost too much memory.
        let keepsProbabilities = GradMode.isEnabled && logits.requiresGrad
            && logits.count <= CrossEntropyKernel.savedProbabilityLimit
        let probabilities = keepsProbabilities ? Tensor(uninitializedShape: [rows, classes], dtype: logits.dtype) : nil
        labels.withUnsafeBufferPointer { labelPointer in
            switch logits.dtype {
            case .float32:
                CrossEntropyKernel.forward(x.pointer(as: Float.self), labelPointer, rows: rows, classes: classes,
                                           ignoreIndex: ignoreIndex, smoothing: Float(labelSmoothing),
                                           losses: losses.pointer(as: Float.self), lse: lse.pointer(as: Float.self),
                                           probabilities: probabilities?.pointer(as: Float.self))
            default:
                CrossEntropyKernel.forward(x.pointer(as: Double.self), labelPointer, rows: rows, classes: classes,
                                           ignoreIndex: ignoreIndex, smoothing: labelSmoothing,
                                           losses: losses.pointer(as: Double.self), lse: lse.pointer(as: Double.self),
                                           probabilities: probabilities?.pointer(as: Double.self))
            }
        }
        let out: Tensor
        switch reduction {
        case .none: out = losses
        case .sum, .mean:
            var total = 0.0
            let values = losses.scalars(as: Double.self)
            for value in values { total += value }
            if reduction == .mean { total /= Double(count) }
            out = Tensor(scalar: total, dtype: logits.dtype)
        }
        let logitShape = logits.shape
        return Tensor.record("crossEntropy", output: out, inputs: [logits]) { gradient in
            let g = gradient.detachedContiguous()
            let dx = Tensor(uninitializedShape: logitShape, dtype: g.dtype)
            // With .none every row has its own upstream gradient; otherwise one scale for all rows.
            let scale: Double
            switch reduction {
            case .none: scale = 1
            case .sum: scale = g.item()
            case .mean: scale = count == 0 ? 0 : g.item() / Double(count)
            }
            let perRow = reduction == .none
            labels.withUnsafeBufferPointer { labelPointer in
                switch g.dtype {
                case .float32:
                    CrossEntropyKernel.backward(x.pointer(as: Float.self), labelPointer, lse: lse.pointer(as: Float.self),
                                                probabilities: probabilities.map { UnsafePointer($0.pointer(as: Float.self)) },
                                                rowGradients: perRow ? UnsafePointer(g.pointer(as: Float.self)) : nil,
                                                scale: Float(scale), rows: rows, classes: classes, ignoreIndex: ignoreIndex,
                                                smoothing: Float(labelSmoothing), dx: dx.pointer(as: Float.self))
                default:
                    CrossEntropyKernel.backward(x.pointer(as: Double.self), labelPointer, lse: lse.pointer(as: Double.self),
                                                probabilities: probabilities.map { UnsafePointer($0.pointer(as: Double.self)) },
                                                rowGradients: perRow ? UnsafePointer(g.pointer(as: Double.self)) : nil,
                                                scale: scale, rows: rows, classes: classes, ignoreIndex: ignoreIndex,
                                                smoothing: labelSmoothing, dx: dx.pointer(as: Double.self))
                }
            }
            return [dx]
        }
    }
}
