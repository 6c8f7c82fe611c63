import Foundation

/// The fused Adam/AdamW update: one pass over parameter, gradient and both moments, with no
/// tensor temporaries, split across cores for large parameters.
///
/// The arithmetic follows PyTorch's single-tensor implementation operation by operation (scalars
/// computed in Double and rounded to the element type once, `lerp` for the first moment,
/// `addcdiv` order for the step), so results agree with it to rounding.
enum AdamUpdate {
    /// Per-step constants, already rounded to the element type. Weight decay is applied
    /// unconditionally with neutral values when off (`l2 = 0`, `decay = 1`), which gives the same
    /// bits as skipping it for finite parameters and keeps the loop free of branches.
    struct Constants<T: FloatingScalar> {
        var lerpWeight: T
        var lerpWeightIsSmall: Bool
        var beta2: T
        var oneMinusBeta2: T
        var l2: T
        var decay: T
        var negativeStepSize: T
        var biasCorrection2Sqrt: T
        var epsilon: T
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
        // Typed locals: ternaries mixing literals and generic conversions are slow to type-check.
        let l2: Double = decoupled ? 0 : options.weightDecay
        let decay: Double = decoupled ? 1 - options.learningRate * options.weightDecay : 1
        let constants = Constants<T>(
            lerpWeight: T(weight), lerpWeightIsSmall: Swift.abs(weight) < 0.5,
            beta2: T(options.beta2), oneMinusBeta2: T(1 - options.beta2),
            l2: T(l2), decay: T(decay),
            negativeStepSize: T(-(options.learningRate / biasCorrection1)),
            biasCorrection2Sqrt: T(Foundation.pow(biasCorrection2, 0.5)),
            epsilon: T(options.epsilon))
        let p = parameter.pointer(as: T.self), g = gradient.pointer(as: T.self)
        let m = state["exp_avg"].pointer(as: T.self), v = state["exp_avg_sq"].pointer(as: T.self)
        if options.amsgrad {
            // AMSGrad may have been switched on after the first step.
            if state.buffers["max_exp_avg_sq"] == nil { state.buffers["max_exp_avg_sq"] = parameter.zerosLike() }
            let vMax = state["max_exp_avg_sq"].pointer(as: T.self)
            Parallel.forRanges(parameter.count, costPerItem: 8) { range in
                apply(p, g, m, v, vMax, range, constants, amsgrad: FlagOn.self)
            }
        } else {
            Parallel.forRanges(parameter.count, costPerItem: 8) { range in
                apply(p, g, m, v, v, range, constants, amsgrad: FlagOff.self)
            }
        }
    }

    @inline(__always)
    private static func apply<T: FloatingScalar, AMSGrad: KernelFlag>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>,
        _ v: UnsafeMutablePointer<T>, _ vMax: UnsafeMutablePointer<T>, _ range: Range<Int>, _ c: Constants<T>,
        amsgrad: AMSGrad.Type
    ) {
        for i in range {
            let grad = g[i] + c.l2 * p[i]
            let param = p[i] * c.decay
            let mean = m[i]
            let newMean = c.lerpWeightIsSmall ? mean + c.lerpWeight * (grad - mean)
                                              : grad - (grad - mean) * (1 - c.lerpWeight)
            m[i] = newMean
            var square = v[i] * c.beta2 + c.oneMinusBeta2 * grad * grad
            v[i] = square
            if AMSGrad.isOn {
                square = Swift.max(vMax[i], square)
                vMax[i] = square
            }
            let denominator = T.sqrtOfNonNegative(square) / c.biasCorrection2Sqrt + c.epsilon
            p[i] = param + c.negativeStepSize * newMean / denominator
        }
    }
}
