import TensorKit

/// A fully connected layer `y = x · Wᵀ + bias` whose frozen weight stays in its GGUF blocks
/// (Q4_1, Q8_0, Q4_K, ..., or F16/BF16/F32): a model runs in about its file size of weight
/// memory, and adapters train on top of it (QLoRA-style).
///
/// The weight is no parameter: it is not saved, counted or trained, and is decoded inside each
/// product (`Tensor.quantizedLinear(_:weight:bias:)`). The bias, when there is one, is an
/// ordinary parameter. As an ``AdapterHost`` the layer takes LoRA, DoRA and IA³ adapters through
/// the usual strategies, named `adapters.<name>.*` as on ``Linear``; it cannot rewrite its
/// weight, so merging adapters into it stops with a message, and PiSSA/OLoRA initialisation
/// throws. DoRA reads the weight as floats (``denseWeight``, decoded on demand at each use).
///
/// ```swift
/// let blocks = try gguf.quantizedTensor(named: "blk.0.attn_q.weight")   // Q4_1 [576, 576]
/// let query = QuantizedLinear(weight: blocks)
/// let y = query(Tensor.normal([1, 7, 576]))                              // [1, 7, 576]
/// ```
public final class QuantizedLinear: Module, LinearLayer {
    /// The frozen weight `[outFeatures, inFeatures]`, in its blocks.
    public let quantizedWeight: QuantizedTensor
    /// `[outFeatures]` float32, or nil for a layer without bias.
    public var bias: Tensor?
    /// The size of the last axis of the input.
    public let inFeatures: Int
    /// The size of the last axis of the output.
    public let outFeatures: Int
    /// Parameter-efficient adapters attached to this layer, by adapter name.
    public var adapters: [String: LinearAdapter] = [:]
    /// The names of the adapters that take part in the forward pass, in order.
    public var activeAdapters: [String] = []
    /// When false, the forward pass is the base layer alone.
    public var adaptersEnabled = true
    /// Always empty: nothing can be merged into a quantized weight.
    public var mergedAdapters: [String] = []

    /// A layer computing `x · weightᵀ + bias` with `weight` `[out, in]` of a dequantizable type
    /// and `bias` float32 `[out]` (kept as it is: pass a parameter to train it).
    public init(weight: QuantizedTensor, bias: Tensor? = nil) {
        precondition(weight.shape.count == 2 && weight.shape[0] > 0 && weight.shape[1] > 0,
                     "QuantizedLinear: weight must be [out, in] with positive sizes, got \(weight.type.name) \(weight.shape)")
        precondition(weight.type.isDequantizable, "QuantizedLinear: \(weight.type.name) weight \(weight.shape) cannot be dequantized")
        if let bias {
            precondition(bias.shape == [weight.shape[0]] && bias.dtype == .float32,
                         "QuantizedLinear: bias must be float32 [\(weight.shape[0])], got \(bias.dtype) \(bias.shape)")
        }
        quantizedWeight = weight
        self.bias = bias
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
        super.init()
    }

    /// `linear`'s weight encoded as `type` (F32, F16, BF16 or Q8_0, the types TensorKit
    /// writes), sharing its bias tensor. Adapters are not carried over.
    public convenience init(quantizing linear: Linear, as type: GGMLType) {
        precondition(linear.weight.dtype == .float32, "QuantizedLinear(quantizing:as:): needs a float32 Linear, got \(linear.weight.dtype)")
        self.init(weight: QuantizedTensor(quantizing: linear.weight.detach(), as: type), bias: linear.bias)
    }

    /// `[..., inFeatures] → [..., outFeatures]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == inFeatures,
                     "QuantizedLinear: input shape \(x.shape) does not end in \(inFeatures) (\(quantizedWeight.type.name) weight \(quantizedWeight.shape))")
        let rows = x.rank == 2 ? x : x.reshape([-1, inFeatures])
        let y = adapters.isEmpty ? baseForward(rows) : adaptedForward(rows)
        return x.rank == 2 ? y : y.reshape(Array(x.shape.dropLast()) + [outFeatures])
    }
}

extension QuantizedLinear {
    /// Float32: the product is computed in float32 whatever the block type.
    public var computeDType: DType { .float32 }

    /// The weight decoded to a new float32 `[out, in]` tensor (no gradient), built at each read.
    public var denseWeight: Tensor { quantizedWeight.dequantized() }

    /// Always false: the blocks cannot take a merged adapter.
    public var canRewriteWeight: Bool { false }

    /// Never called (``canRewriteWeight`` is false); stops if it is.
    public func replaceDenseWeight(_ weight: Tensor) {
        preconditionFailure("QuantizedLinear: a \(quantizedWeight.type.name) weight \(quantizedWeight.shape) cannot be rewritten")
    }

    /// `rows · Wᵀ + bias`, the weight decoded inside the product.
    public func baseForward(_ rows: Tensor) -> Tensor { Tensor.quantizedLinear(rows, weight: quantizedWeight, bias: bias) }
}

extension Module {
    /// Replaces chosen ``Linear`` projections by ``QuantizedLinear`` layers holding the blocks
    /// `blocks` returns for them, keeping each one's bias tensor (and so every parameter name).
    ///
    /// `blocks` is called with the path of every ``Linear`` held by a ``LinearLayerSlots``
    /// module (attention and feed-forward projections: `layers.3.attention.query`) and returns
    /// its weight as blocks `[out, in]` of a dequantizable type, or nil to keep it dense. A loader
    /// maps the paths to its file's tensors and checks what it read; blocks that do not fit are a
    /// programmer error. Adapters must be attached afterwards.
    ///
    /// ```swift
    /// try model.quantizeLinears { path, linear in try gguf.quantizedTensor(named: ggufName(path)) }
    /// model.quantizeLinears { _, linear in QuantizedTensor(quantizing: linear.weight, as: .q8_0) }
    /// ```
    ///
    /// - Returns: how many layers were replaced.
    @discardableResult
    public func quantizeLinears<E: Error>(where blocks: (_ path: String, _ layer: Linear) throws(E) -> QuantizedTensor?) throws(E) -> Int {
        var replaced = 0
        for (path, module) in namedModules() {
            guard let slots = module as? any LinearLayerSlots else { continue }
            for (name, child) in slots.directMembers().children {
                guard let linear = child as? Linear else { continue }
                let childPath = path.isEmpty ? name : "\(path).\(name)"
                guard let weight = try blocks(childPath, linear) else { continue }
                precondition(weight.shape == [linear.outFeatures, linear.inFeatures],
                             "quantizeLinears: \(childPath) is [\(linear.outFeatures), \(linear.inFeatures)], the blocks \(weight.type.name) \(weight.shape)")
                precondition(linear.adapters.isEmpty, "quantizeLinears: \(childPath) has adapters; quantize before attaching them")
                slots.replaceLinearLayer(named: name, with: QuantizedLinear(weight: weight, bias: linear.bias))
                replaced += 1
            }
        }
        return replaced
    }
}
