import TensorKit

/// BitFit: only bias terms train (Ben Zaken et al., 2021), plus `alwaysTrain` modules (a head).
public struct BitFit: FineTuningStrategy {
    public var name: String { "bitfit" }
    /// Module paths (or globs) that train fully, e.g. `["classifier"]`.
    public var alwaysTrain: [String]
    /// BitFit, also training the modules matching `alwaysTrain` fully.
    public init(alwaysTrain: [String] = []) { self.alwaysTrain = alwaysTrain }

    public func apply(to model: Module) throws {
        model.freeze()
        if model.unfreeze(matching: "*bias") == 0 { throw StrategyError.noMatch(pattern: "*bias", what: "bias parameter") }
        try model.unfreezeModules(alwaysTrain)
    }
}
