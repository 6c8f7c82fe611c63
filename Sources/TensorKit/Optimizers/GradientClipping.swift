import Foundation

/// Scales the gradients of `parameters` in place so that their combined norm is at most
/// `maxNorm`, and returns the combined norm before clipping — `torch.nn.utils.clip_grad_norm_`.
///
/// The norm is taken over all gradients as if concatenated into one vector; `normType` may be
/// any positive number or `.infinity` (largest absolute value). Gradients are multiplied by
/// `maxNorm / (norm + 1e-6)` when that is below 1 (or NaN: as in PyTorch, a non-finite norm
/// spreads into the gradients rather than being hidden). Parameters without a gradient are skipped.
///
/// ```swift
/// loss.backward()
/// let norm = clipGradientNorm(model.trainableParameters(), maxNorm: 1.0)
/// optimizer.step()
/// ```
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) -> Double {
    precondition(normType > 0, "clipGradientNorm: normType must be positive or .infinity, got \(normType)")
    let gradients = parameters.compactMap(\.grad)
    guard !gradients.isEmpty else { return 0 }
    var total = 0.0
    for gradient in gradients {
        let norm = GradientNorm.norm(gradient, p: normType)
        total = normType.isInfinite ? Swift.max(total, norm) : total + Foundation.pow(norm, normType)
    }
    if !normType.isInfinite { total = Foundation.pow(total, 1 / normType) }
    let coefficient = maxNorm / (total + 1e-6)
    if !(coefficient >= 1) {
        for parameter in parameters {
            guard let gradient = parameter.grad else { continue }
            parameter.grad = GradientNorm.scaled(gradient, by: coefficient)
        }
    }
    return total
}

/// Clamps every gradient element of `parameters` to `[-maxValue, maxValue]` in place —
/// `torch.nn.utils.clip_grad_value_`.
public func clipGradientValue(_ parameters: [Tensor], maxValue: Double) {
    precondition(maxValue >= 0, "clipGradientValue: maxValue must be >= 0, got \(maxValue)")
    for parameter in parameters {
        guard let gradient = parameter.grad else { continue }
        let owned = gradient.isContiguous ? gradient : withGradientsDisabled { gradient.detach().contiguous() }
        switch owned.dtype {
        case .float32: GradientNorm.clamp(owned, Float.self, Float(maxValue))
        case .float64: GradientNorm.clamp(owned, Double.self, maxValue)
        default: preconditionFailure("clipGradientValue: gradients must be float32 or float64, got \(owned.dtype)")
        }
        parameter.grad = owned
    }
}

/// Pointer loops behind gradient clipping.
enum GradientNorm {
    /// The p-norm of a gradient, accumulated in Double.
    static func norm(_ gradient: Tensor, p: Double) -> Double {
        let contiguous = withGradientsDisabled { gradient.detach().contiguous() }
        switch contiguous.dtype {
        case .float32: return norm(contiguous.pointer(as: Float.self), contiguous.count, p)
        case .float64: return norm(contiguous.pointer(as: Double.self), contiguous.count, p)
        default: preconditionFailure("clipGradientNorm: gradients must be float32 or float64, got \(contiguous.dtype)")
        }
    }

    private static func norm<T: FloatingScalar>(_ x: UnsafeMutablePointer<T>, _ count: Int, _ p: Double) -> Double {
        var result = 0.0
        if p.isInfinite {
            for i in 0..<count { result = Swift.max(result, Double(Swift.abs(x[i]))) }
            return result
        }
        if p == 2 {
            for i in 0..<count { let v = Double(x[i]); result += v * v }
            return result.squareRoot()
        }
        if p == 1 {
            for i in 0..<count { result += Double(Swift.abs(x[i])) }
            return result
        }
        for i in 0..<count { result += Foundation.pow(Double(Swift.abs(x[i])), p) }
        return Foundation.pow(result, 1 / p)
    }

    /// `gradient · factor`, in place when the gradient is contiguous.
    static func scaled(_ gradient: Tensor, by factor: Double) -> Tensor {
        let owned = gradient.isContiguous ? gradient : withGradientsDisabled { gradient.detach().contiguous() }
        switch owned.dtype {
        case .float32: scale(owned.pointer(as: Float.self), owned.count, Float(factor))
        case .float64: scale(owned.pointer(as: Double.self), owned.count, factor)
        default: preconditionFailure("clipGradientNorm: gradients must be float32 or float64, got \(owned.dtype)")
        }
        return owned
    }

    private static func scale<T: FloatingScalar>(_ x: UnsafeMutablePointer<T>, _ count: Int, _ factor: T) {
        Parallel.forRanges(count) { range in
            for i in range { x[i] = x[i] * factor }
        }
    }

    static func clamp<T: FloatingScalar>(_ gradient: Tensor, _: T.Type, _ limit: T) {
        let x = gradient.pointer(as: T.self)
        Parallel.forRanges(gradient.count) { range in
            for i in range { x[i] = Swift.min(Swift.max(x[i], -limit), limit) }
        }
    }
}
