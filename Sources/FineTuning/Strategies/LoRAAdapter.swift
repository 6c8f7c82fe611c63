import TensorKit

/// A LoRA update on one ``AdapterHost`` layer (a ``Linear``): `y += scale · B(A(dropout(x)))`, with `A` `[r, in]` and
/// `B` `[out, r]` (PEFT's `lora_A` / `lora_B` layouts), `scale = α/r` (or `α/√r` with rsLoRA).
///
/// The forward pass is two small GEMMs on the layer's input rows; `B·A` is formed only when
/// merging. With DoRA (``DoRA(_:adapterName:generator:)``, ``LoRAConfig/useDoRA``) the update
/// is instead applied to a weight direction whose per-output-row length is the learned
/// `magnitude` vector.
public final class LoRAAdapter: LinearAdapter {
    /// `[r, in]`.
    public var loraA: Tensor
    /// `[out, r]`.
    public var loraB: Tensor
    /// DoRA's per-output-row magnitude `[out]` (nil for plain LoRA).
    public var magnitude: Tensor?
    /// Dropout on the adapter's input. Under activation checkpointing its masks are replayed
    /// when it draws from the thread's default generator or from the same generator as the
    /// block's dropout (pass the model's generator to ``LoRA``).
    public var dropout: Dropout
    /// The rank r.
    public let rank: Int
    /// The factor multiplying `B·A`.
    public let scale: Double
    /// The configuration the adapter was made from (saved with the adapter).
    public internal(set) var config: LoRAConfig
    /// DoRA's weight-row norms at merge time, needed to unmerge exactly.
    var mergeNorm = AdapterStash()

    /// A LoRA adapter for `layer`, initialised by `config.initialization`. PiSSA and OLoRA also
    /// rewrite the layer's weight (to the residual), as PEFT does.
    ///
    /// - Throws: ``StrategyError/initializationFailed(module:reason:)`` if the SVD/QR fails, the
    ///   rank exceeds the layer's dimensions, or the layer cannot rewrite its weight (PiSSA, OLoRA).
    public init(for layer: any AdapterHost, config: LoRAConfig, path: String = "", generator: Generator? = nil) throws(StrategyError) {
        let r = config.rank, dtype = layer.computeDType
        rank = r
        scale = config.useRSLoRA ? config.alpha / Double(r).squareRoot() : config.alpha / Double(r)
        self.config = config
        dropout = Dropout(config.dropout, generator: generator)
        let bound = 1 / Double(layer.inFeatures).squareRoot()
        var a = Tensor.zeros([r, layer.inFeatures], dtype: dtype), b = Tensor.zeros([layer.outFeatures, r], dtype: dtype)
        switch config.initialization {
        case .kaiming:
            // PEFT: kaiming_uniform_(A, a=√5), B = 0, so the adapter starts as a no-op.
            a = Tensor.uniform([r, layer.inFeatures], low: -bound, high: bound, dtype: dtype, generator: generator)
        case .gaussian:
            a = Tensor.normal([r, layer.inFeatures], std: 1 / Double(r), dtype: dtype, generator: generator)
        case .pissa, .olora:
            guard layer.canRewriteWeight else {
                throw .initializationFailed(module: path, reason: "\(type(of: layer)) cannot rewrite its weight to the residual")
            }
            let w = layer.denseWeight.detach()
            guard r <= Swift.min(layer.inFeatures, layer.outFeatures) else {
                throw .initializationFailed(module: path, reason: "rank \(r) exceeds the weight's smaller side \(w.shape)")
            }
            do {
                if config.initialization == .pissa {
                    // Top-r singular triplets, split evenly: A = √S Vᵀ, B = U √S (S divided by the scale
                    // so that scale·B·A is exactly the principal part).
                    let (u, s, vt) = try Linalg.svd(w)
                    let sr = (s.slice(axis: 0, 0..<r) / scale).sqrt()
                    a = vt.slice(axis: 0, 0..<r) * sr.unsqueezed(axis: 1)
                    b = u.slice(axis: 1, 0..<r) * sr.unsqueezed(axis: 0)
                } else {
                    let (q, rr) = try Linalg.qr(w)
                    a = rr.slice(axis: 0, 0..<r)
                    b = q.slice(axis: 1, 0..<r)
                }
            } catch {
                throw .initializationFailed(module: path, reason: "\(error)")
            }
            a = a.contiguous(); b = b.contiguous()
            let residual = w - b.matmul(a) * scale
            withGradientsDisabled { layer.replaceDenseWeight(residual) }
        }
        loraA = a.contiguous().parameter()
        loraB = b.contiguous().parameter()
        super.init()
        if config.useDoRA {
            magnitude = withGradientsDisabled { rowNorms(of: layer) }.parameter()
        }
    }

    /// `‖W + scale·B·A‖` over each output row (`[out]`), DoRA's normaliser.
    func rowNorms(of layer: any AdapterHost) -> Tensor {
        let combined = layer.denseWeight + loraB.matmul(loraA) * scale
        return (combined * combined).sum(axes: [1]).sqrt()
    }

    /// True: LoRA and DoRA read the host's input as it is.
    public override var keepsInput: Bool { true }

    /// True for plain LoRA; DoRA rescales the output.
    public override var onlyAddsToOutput: Bool { magnitude == nil }

    /// `scale · B(A(dropout(rows)))`.
    public override func outputUpdate(input rows: Tensor, host: any AdapterHost) -> Tensor {
        lowRankUpdate(dropout(rows))
    }

    /// `scale · B(A(rows))`, the scale on the thin `[N, r]` intermediate, not the `[N, out]` result.
    private func lowRankUpdate(_ rows: Tensor) -> Tensor {
        (rows.matmul(loraA.transposed()) * scale).matmul(loraB.transposed())
    }

    public override func transformOutput(_ output: Tensor, input rows: Tensor, host layer: any AdapterHost) -> Tensor {
        let dropped = dropout(rows)
        let update = lowRankUpdate(dropped)
        guard let magnitude else { return output + update }
        // DoRA (as PEFT): the norm is detached, so its gradient flows through the magnitude
        // and the low-rank direction only. `base` is the output without bias; while dropout is
        // active PEFT recomputes it from the dropped input, and so do we.
        let norm = withGradientsDisabled { rowNorms(of: layer).detach() }
        let factor = magnitude / norm
        let dropping = dropout.isTraining && dropout.probability > 0
        let base = dropping ? dropped.matmul(layer.denseWeight.transposed()) : (layer.bias.map { output - $0 } ?? output)
        return output + base * (factor - 1) + update * factor
    }

    public override func merge(into layer: any AdapterHost) {
        let delta = loraB.matmul(loraA) * scale
        let weight = layer.denseWeight
        guard let magnitude else { layer.replaceDenseWeight(weight + delta); return }
        let norm = rowNorms(of: layer)
        mergeNorm.tensor = norm.clone()
        layer.replaceDenseWeight((weight + delta) * (magnitude / norm).unsqueezed(axis: 1))
    }

    public override func unmerge(from layer: any AdapterHost) {
        let delta = loraB.matmul(loraA) * scale
        let weight = layer.denseWeight
        guard let magnitude else { layer.replaceDenseWeight(weight - delta); return }
        let norm = mergeNorm.tensor ?? rowNorms(of: layer)
        layer.replaceDenseWeight(weight * (norm / magnitude).unsqueezed(axis: 1) - delta)
        mergeNorm.tensor = nil
    }

    /// Its factors (and magnitude), plus the layer's bias in bias mode `lora_only`.
    public override func activate(on host: any AdapterHost) {
        unfreeze()
        if config.bias == .loraOnly { host.bias?.requiresGrad = true }
    }

    /// The configuration's modules-to-save, and every bias in bias mode `all`.
    public override var trainsAlso: AdapterTrainingScope {
        AdapterTrainingScope(modules: config.modulesToSave, parameterPatterns: config.bias == .all ? ["*bias"] : [])
    }
}
