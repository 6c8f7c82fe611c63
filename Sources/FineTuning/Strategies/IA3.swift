import TensorKit

/// An IA³ scaling vector on one ``AdapterHost`` layer (Liu et al., 2022): the layer's output is
/// multiplied elementwise by `scaling` `[out]` (keys, values), or, on a feed-forward layer, its
/// input is multiplied by `scaling` `[in]` (which rescales the feed-forward activation). Starts
/// at ones, a no-op, as in PEFT.
public final class IA3Adapter: LinearAdapter {
    /// `[out]`, or `[in]` when ``isFeedForward``.
    public var scaling: Tensor
    /// Whether the scaling applies to the input (feed-forward layers) rather than the output.
    public let isFeedForward: Bool
    /// Modules that train with this adapter (a head).
    public let modulesToSave: [String]

    /// A no-op IA³ vector for `layer`.
    public init(for layer: any AdapterHost, feedForward: Bool, modulesToSave: [String] = []) {
        isFeedForward = feedForward
        self.modulesToSave = modulesToSave
        scaling = Tensor.ones([feedForward ? layer.inFeatures : layer.outFeatures], dtype: layer.computeDType).parameter()
        super.init()
    }

    public override func transformInput(_ rows: Tensor) -> Tensor { isFeedForward ? rows * scaling : rows }

    /// True on keys and values, whose output is scaled; false on feed-forward layers.
    public override var keepsInput: Bool { !isFeedForward }

    public override func transformOutput(_ output: Tensor, input rows: Tensor, host: any AdapterHost) -> Tensor {
        isFeedForward ? output : output * scaling
    }

    public override func merge(into host: any AdapterHost) {
        if isFeedForward {
            host.replaceDenseWeight(host.denseWeight * scaling)
        } else {
            host.replaceDenseWeight(host.denseWeight * scaling.unsqueezed(axis: 1))
            if let bias = host.bias { bias.assign(bias * scaling) }
        }
    }

    public override func unmerge(from host: any AdapterHost) {
        // Like PEFT, assumes no scale is exactly zero.
        if isFeedForward {
            host.replaceDenseWeight(host.denseWeight / scaling)
        } else {
            host.replaceDenseWeight(host.denseWeight / scaling.unsqueezed(axis: 1))
            if let bias = host.bias { bias.assign(bias / scaling) }
        }
    }

    /// The modules to save.
    public override var trainsAlso: AdapterTrainingScope { AdapterTrainingScope(modules: modulesToSave) }
}

/// IA³ as a strategy: freezes the model and attaches learned scaling vectors to the keys, the
/// values and the feed-forward activation (the input of the feed-forward down projection), as
/// PEFT's defaults for BERT (`key`, `value`, `output.dense`).
public struct IA3: FineTuningStrategy {
    public var name: String { "ia3" }
    /// Module names or globs to adapt (see ``LoRAConfig/targetModules``).
    public var targetModules: [String]
    /// Which of the targets scale their input (feed-forward layers) rather than their output.
    public var feedForwardModules: [String]
    /// Modules that train fully (e.g. a classifier head).
    public var modulesToSave: [String]
    /// The adapter's name.
    public var adapterName: String

    /// IA³ on the attention keys and values and the feed-forward output projection by default
    /// (PEFT's BERT targets, under this library's module names).
    public init(targetModules: [String] = ["key", "value", "feedForward.down"],
                feedForwardModules: [String] = ["feedForward.down"],
                modulesToSave: [String] = [], adapterName: String = "default") {
        self.targetModules = targetModules
        self.feedForwardModules = feedForwardModules
        self.modulesToSave = modulesToSave
        self.adapterName = adapterName
    }

    public func apply(to model: Module) throws {
        let targets = try AdapterTargets.find(in: model, patterns: targetModules, layers: nil)
        for path in modulesToSave where model.module(at: path) == nil {
            throw StrategyError.noMatch(pattern: path, what: "module to save")
        }
        for (path, layer) in targets {
            let feedForward = feedForwardModules.contains { AdapterTargets.matches(path, $0) }
            try layer.addAdapter(IA3Adapter(for: layer, feedForward: feedForward, modulesToSave: modulesToSave),
                                 named: adapterName)
        }
        try model.setActiveAdapter(adapterName)
    }
}
