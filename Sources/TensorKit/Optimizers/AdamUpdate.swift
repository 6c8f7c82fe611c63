import Foundation

/// The fused Adam/AdamW update: one pass over parameter, gradient and both moments, with no
/// tensor temporaries, split across cores for large parameters.
///
/// The arithmetic follows PyTorch's single-tensor implementation operation by operation (scalars
/// computed in Double and rounded to the element type once, `lerp` for the first moment,
/// `addcdiv` order for the step), so results agree with it to rounding.
enum AdamUpdate {
    /// Per-step constants, already rounded to the element type.
    struct Constants<T: FloatingScalar> {
        var lerpWeight: T
        var lerpWeightIsSmall: Bool
        var beta2: T
        var oneMinusBeta2: T
        var l2: T
        var useL2: Bool
        var decay: T
        var useDecay: Bool
        var negativeStepSize: T
        var biasCorrection2Sqrt: T
        var epsilon: T
        var amsgrad: Bool
    }

    /// Updates `parameter` in place; `decoupled` selects AdamW's weight decay.
    static func run(_ parameter: Tensor, gradient: Tensor, state: ParameterState, options: AdamOptions, decoupled: Bool) {
        switch parameter.dtype {
        case .float32: run(Float.self, parameter, gradient, state, options, decoupled)
        case .float64: run(Double.self, parameter, gradient, state, options, decoupled)
        default: preconditionFailure("Adam.step: parameters must be float32 or float64, got \(parameter.dtype)")
        }
    }

    private static func run<T: FloatingScalar>(_: T.Type, _ parameter: Tensor, _ gradient: Tensor, _ state: ParameterState,
                                               _ options: AdamOptions, _ decoupled: Bool) {
        let step = Double(state.step)
        let biasCorrection1 = 1 - Foundation.pow(options.beta1, step)
        let biasCorrection2 = 1 - Foundation.pow(options.beta2, step)
        let weight = 1 - options.beta1
        let constants = Constants<T>(
            lerpWeight: T(weight), lerpWeightIsSmall: Swift.abs(weight) < 0.5,
            beta2: T(options.beta2), oneMinusBeta2: T(1 - options.beta2),
            l2: T(options.weightDecay), useL2: !decoupled && options.weightDecay != 0,
            decay: T(1 - options.learningRate * options.weightDecay), useDecay: decoupled && options.weightDecay != 0,
            negativeStepSize: T(-(options.learningRate / biasCorrection1)),
            biasCorrection2Sqrt: T(Foundation.pow(biasCorrection2, 0.5)),
            epsilon: T(options.epsilon), amsgrad: options.amsgrad)
        let p = parameter.pointer(as: T.self), g = gradient.pointer(as: T.self)
        let m = state["exp_avg"].pointer(as: T.self), v = state["exp_avg_sq"].pointer(as: T.self)
        let vMax = options.amsgrad ? state["max_exp_avg_sq"].pointer(as: T.self) : v
        Parallel.forRanges(parameter.count, costPerItem: 8) { range in
            apply(p, g, m, v, vMax, range, constants)
        }
    }

    @inline(__always)
    private static func apply<T: FloatingScalar>(_ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
                                                 _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
                                                 _ vMax: UnsafeMutablePointer<T>, _ range: Range<Int>, _ c: Constants<T>) {
        for i in range {
            var param = p[i]
            var grad = g[i]
            if c.useL2 { grad = grad + c.l2 * param }
            if c.useDecay { param = param * c.decay }
            let mean = m[i]
            let newMean = c.lerpWeightIsSmall ? mean + c.lerpWeight * (grad - mean)
                                              : grad - (grad - mean) * (1 - c.lerpWeight)
            m[i] = newMean
            var square = v[i] * c.beta2 + c.oneMinusBeta2 * grad * grad
            v[i] = square
            if c.amsgrad {
                square = Swift.max(vMax[i], square)
                vMax[i] = square
            }
            let denominator = T.sqrt(square) / c.biasCorrection2Sqrt + c.epsilon
            p[i] = param + c.negativeStepSize * newMean / denominator
        }
    }
}
