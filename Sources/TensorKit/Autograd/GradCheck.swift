/// The outcome of ``gradcheck(_:inputs:epsilon:absoluteTolerance:relativeTolerance:)``.
public struct GradCheckResult: CustomStringConvertible {
    /// Whether every analytic gradient matched its finite-difference estimate.
    public var passed: Bool
    /// Largest `|analytic − numeric| − rtol·|numeric|` seen (≤ atol means it passed).
    public var worstError: Double
    /// Which input holds the worst element.
    public var worstInput: Int
    /// Row-major index of the worst element within that input.
    public var worstIndex: Int
    /// Autograd's gradient at the worst element.
    public var analytic: Double
    /// The central finite-difference estimate at the worst element.
    public var numeric: Double

    public var description: String {
        "gradcheck \(passed ? "passed" : "FAILED"): worst at input \(worstInput) element \(worstIndex): analytic \(analytic), numeric \(numeric)"
    }
}

/// Compares the gradients autograd computes for `function` with central finite differences.
///
/// The inputs should be float64 (finite differences in float32 are too coarse). A non-scalar
/// output is reduced with fixed pseudo-random weights first, so every output element is checked.
/// Inputs may be non-contiguous views: they are perturbed through their own strides.
///
/// ```swift
/// let x = Tensor.normal([3, 4], dtype: .float64)
/// #expect(gradcheck({ $0[0].tanh() }, inputs: [x]).passed)
/// ```
public func gradcheck(_ function: ([Tensor]) -> Tensor, inputs: [Tensor], epsilon: Double = 1e-6,
                      absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3) -> GradCheckResult {
    precondition(inputs.allSatisfy { $0.dtype.isFloatingPoint }, "gradcheck: inputs must be float tensors")
    let probe = withGradientsDisabled { function(inputs.map { $0.detach() }) }
    let weights = Tensor.uniform(probe.shape, low: 0.5, high: 1.5, dtype: probe.dtype, generator: Generator(seed: 1234))
    func objective(_ values: [Tensor]) -> Tensor { (function(values) * weights).sum() }

    let tracked = inputs.map { $0.detach().requiringGrad() }
    let analytic = withGradientsEnabled { gradients(of: objective(tracked), wrt: tracked) }

    var result = GradCheckResult(passed: true, worstError: -.infinity, worstInput: 0, worstIndex: 0, analytic: 0, numeric: 0)
    for (k, input) in inputs.enumerated() {
        let values = analytic[k].contiguous()
        var flat = 0
        input.forEachStorageIndex { position in
            let original = input.element(atStorageIndex: position)
            input.setStorageElement(position, original + epsilon)
            let plus = withGradientsDisabled { objective(inputs.map { $0.detach() }).item() }
            input.setStorageElement(position, original - epsilon)
            let minus = withGradientsDisabled { objective(inputs.map { $0.detach() }).item() }
            input.setStorageElement(position, original)
            let numeric = (plus - minus) / (2 * epsilon)
            let exact = values.element(atStorageIndex: values.layout.offset + flat)
            let error = Swift.abs(exact - numeric) - relativeTolerance * Swift.abs(numeric)
            if error > result.worstError || error.isNaN {
                result.worstError = error
                result.worstInput = k
                result.worstIndex = flat
                result.analytic = exact
                result.numeric = numeric
            }
            if !(error <= absoluteTolerance) { result.passed = false }
            flat += 1
        }
    }
    return result
}

extension Tensor {
    /// Writes one element by absolute storage index (gradcheck's perturbation).
    func setStorageElement(_ index: Int, _ value: Double) {
        switch dtype {
        case .float32: storage.pointer.assumingMemoryBound(to: Float.self)[index] = Float(value)
        case .float64: storage.pointer.assumingMemoryBound(to: Double.self)[index] = value
        default: preconditionFailure("gradcheck: cannot perturb a \(dtype) tensor")
        }
    }
}
