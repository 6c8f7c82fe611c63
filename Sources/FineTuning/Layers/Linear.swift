import TensorKit

/// A fully connected layer `y = x · weightᵀ + bias`, as `torch.nn.Linear`.
///
/// `weight` is `[out, in]` (PyTorch's layout, so checkpoints load without transposing) and
/// `bias` is `[out]`. Inputs may have any number of leading axes: `[..., in] → [..., out]`.
/// Both are initialised as PyTorch does (Kaiming-uniform with `a = √5`, i.e. uniform in
/// `±1/√in`).
///
/// `Linear` is an ``AdapterHost``: parameter-efficient methods (LoRA, DoRA, IA³) attach adapters
/// to it rather than replacing it, so the names and the module tree stay the same with or
/// without adapters (the adapters' own parameters are added under `adapters.<name>.*`).
///
/// ```swift
/// let layer = Linear(16, 4)
/// let y = layer(Tensor.normal([2, 8, 16]))   // [2, 8, 4]
/// ```
public final class Linear: Module, Layer, AdapterHost {
    /// `[outFeatures, inFeatures]`.
    public var weight: Tensor
    /// `[outFeatures]`, or nil for a layer without bias.
    public var bias: Tensor?
    /// The size of the last axis of the input.
    public let inFeatures: Int
    /// The size of the last axis of the output.
    public let outFeatures: Int
    /// Parameter-efficient adapters attached to this layer (LoRA, DoRA, IA³), by adapter name.
    /// Their parameters are named `adapters.<name>.*` under this layer's path.
    public var adapters: [String: LinearAdapter] = [:]
    /// The names of the adapters that take part in the forward pass, in order.
    public var activeAdapters: [String] = []
    /// When false, the forward pass is the base layer alone (unmerged adapters are skipped; see
    /// ``Module/disableAdapters()``, which unmerges first so the base weight is clean).
    public var adaptersEnabled = true
    /// The adapters folded into `weight`, in the order they were merged.
    public var mergedAdapters: [String] = []

    /// A layer mapping `inFeatures` to `outFeatures`, initialised from `generator` (the thread's
    /// default when nil).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32,
                generator: Generator? = nil) {
        precondition(inFeatures > 0 && outFeatures > 0,
                     "Linear: feature counts must be positive, got \(inFeatures) → \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Double(inFeatures).squareRoot()
        if ParameterInitialization.isSkipped {
            weight = Tensor.zeros([outFeatures, inFeatures], dtype: dtype).parameter()
            self.bias = bias ? Tensor.zeros([outFeatures], dtype: dtype).parameter() : nil
        } else {
            weight = Tensor.uniform([outFeatures, inFeatures], low: -bound, high: bound, dtype: dtype,
                                    generator: generator).parameter()
            self.bias = bias ? Tensor.uniform([outFeatures], low: -bound, high: bound, dtype: dtype,
                                              generator: generator).parameter() : nil
        }
        super.init()
    }

    /// `[..., inFeatures] → [..., outFeatures]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == inFeatures,
                     "Linear: input shape \(x.shape) does not end in \(inFeatures) (weight \(weight.shape))")
        // One GEMM over all leading axes (rows), the bias added inside it (Tensor.linear).
        let rows = x.rank == 2 ? x : x.reshape([-1, inFeatures])
        let y = adapters.isEmpty ? baseForward(rows) : adaptedForward(rows)
        return x.rank == 2 ? y : y.reshape(Array(x.shape.dropLast()) + [outFeatures])
    }
}

extension Linear {
    /// The weight's type.
    public var computeDType: DType { weight.dtype }

    /// `weight` itself, so adapters reading it (DoRA) put gradients where the weight's go.
    public var denseWeight: Tensor { weight }

    /// Always true: the weight is a dense parameter.
    public var canRewriteWeight: Bool { true }

    /// Assigns into `weight` in place.
    public func replaceDenseWeight(_ weight: Tensor) { self.weight.assign(weight) }

    /// `rows · weightᵀ + bias` as one GEMM.
    public func baseForward(_ rows: Tensor) -> Tensor { Tensor.linear(rows, weight: weight, bias: bias) }
}
