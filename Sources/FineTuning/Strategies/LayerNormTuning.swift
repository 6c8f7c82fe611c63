import TensorKit

/// LayerNorm-only tuning: only the normalisation layers' scales and shifts train (LayerNorm
/// and RMSNorm), plus `alwaysTrain` modules.
public struct LayerNormTuning: FineTuningStrategy {
    public var name: String { "layernorm" }
    /// Module paths (or globs) that train fully, e.g. `["classifier"]`.
    public var alwaysTrain: [String]
    /// LayerNorm-only tuning, also training the modules matching `alwaysTrain` fully.
    public init(alwaysTrain: [String] = []) { self.alwaysTrain = alwaysTrain }

    public func apply(to model: Module) throws {
        model.freeze()
        let norms = model.namedModules().filter { $0.module is LayerNorm || $0.module is RMSNorm }
        guard !norms.isEmpty else { throw StrategyError.noMatch(pattern: "LayerNorm", what: "normalisation layer") }
        norms.forEach { $0.module.unfreeze() }
        try model.unfreezeModules(alwaysTrain)
    }
}
