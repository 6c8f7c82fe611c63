import TensorKit

/// A layer computing `y = x · Wᵀ + b` that parameter-efficient adapters (LoRA, DoRA, IA³) can
/// attach to: ``Linear``, and any other layer holding such a map its own way (a quantized
/// weight, say).
///
/// Adapters talk to their layer only through this protocol — its sizes, its base forward pass,
/// its dense weight — so a new layer kind hosts every adapter kind, and every strategy, without
/// either knowing the other. A host stores its adapters in ``adapters`` (a stored property, so
/// their parameters are named `<layer>.adapters.<name>.*` beside the layer's own) and runs its
/// forward pass through ``adaptedForward(_:)``.
public protocol AdapterHost: Module {
    /// The size of the last axis of the input.
    var inFeatures: Int { get }
    /// The size of the last axis of the output.
    var outFeatures: Int { get }
    /// `[outFeatures]`, or nil for a layer without bias. Adapters that merge (IA³) rescale it.
    var bias: Tensor? { get }
    /// The floating-point type of the layer's outputs, which its adapters' parameters share.
    var computeDType: DType { get }
    /// The base weight as a dense `[outFeatures, inFeatures]` tensor: what DoRA normalises and
    /// PiSSA/OLoRA decompose. A host storing its weight otherwise builds it (it may be costly).
    var denseWeight: Tensor { get }
    /// Whether ``replaceDenseWeight(_:)`` can rewrite the base weight. A host whose weight cannot
    /// change form (quantized blocks) says false: merging adapters into it stops with a message
    /// naming the layer, and initialisations that rewrite the weight (PiSSA, OLoRA) throw.
    var canRewriteWeight: Bool { get }
    /// Replaces the base weight in place by `weight` (dense `[out, in]`), keeping the same
    /// parameter object (optimizers and saved names see no change). Called under no-grad, only
    /// when ``canRewriteWeight`` holds.
    func replaceDenseWeight(_ weight: Tensor)
    /// The base map on input rows `[N, inFeatures]` → `[N, outFeatures]`, bias included, no adapters.
    func baseForward(_ rows: Tensor) -> Tensor

    /// The attached adapters by name.
    var adapters: [String: LinearAdapter] { get set }
    /// The names of the adapters that take part in the forward pass, in order.
    var activeAdapters: [String] { get set }
    /// When false, the forward pass is the base layer alone.
    var adaptersEnabled: Bool { get set }
    /// The adapters folded into the base weight, in the order they were merged.
    var mergedAdapters: [String] { get set }
}

extension AdapterHost {
    /// The layer's forward pass on input rows `[N, inFeatures]`: the base map with every active,
    /// unmerged adapter applied. Adapters may rescale the rows the base map sees (IA³ on
    /// feed-forward layers) and change its output (LoRA adds `scale · B(A(dropout(rows)))`);
    /// merged adapters are already in the weight.
    public func adaptedForward(_ rows: Tensor) -> Tensor {
        let live = liveAdapters()
        guard !live.isEmpty else { return baseForward(rows) }
        var input = rows
        for adapter in live { input = adapter.transformInput(input) }
        var y = baseForward(input)
        for adapter in live { y = adapter.transformOutput(y, input: rows, host: self) }
        return y
    }

    /// The active, unmerged adapters that take part in the forward pass.
    func liveAdapters() -> [LinearAdapter] {
        guard adaptersEnabled, !activeAdapters.isEmpty else { return [] }
        return activeAdapters.compactMap { name in adapters[name].flatMap { $0.isMerged ? nil : $0 } }
    }

    /// Folds every active adapter into the base weight (faster inference; outputs unchanged).
    /// `path` names the layer in the message when it cannot be merged into.
    func mergeLayerAdapters(path: String) {
        let pending = activeAdapters.filter { adapters[$0].map { !$0.isMerged } ?? false }
        guard !pending.isEmpty else { return }
        precondition(canRewriteWeight,
                     "mergeAdapters: \(path) (\(type(of: self))) cannot rewrite its weight; run its adapters unmerged")
        withGradientsDisabled {
            for name in pending {
                guard let adapter = adapters[name] else { continue }
                adapter.merge(into: self)
                adapter.isMerged = true
                mergedAdapters.append(name)
            }
        }
    }

    /// Takes every merged adapter back out of the base weight, in reverse order of merging.
    func unmergeLayerAdapters() {
        guard !mergedAdapters.isEmpty else { return }
        withGradientsDisabled {
            for name in mergedAdapters.reversed() {
                guard let adapter = adapters[name], adapter.isMerged else { continue }
                adapter.unmerge(from: self)
                adapter.isMerged = false
            }
            mergedAdapters = []
        }
    }
}
