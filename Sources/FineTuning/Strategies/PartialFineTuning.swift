import TensorKit

/// Partial fine-tuning: everything trains except what the rules freeze, applied in order.
///
/// ```swift
/// // BERT: freeze the embeddings and the lowest 8 of 12 blocks; the rest and the head train.
/// try PartialFineTuning(.freezeEmbeddings, .freezeLowest(8)).prepare(classifier)
/// // Only the top 2 blocks and the classifier head:
/// try PartialFineTuning(.trainTop(2), alwaysTrain: ["classifier"]).prepare(classifier)
/// ```
public struct PartialFineTuning: FineTuningStrategy {
    /// One freezing rule.
    public enum Rule: Equatable, Sendable {
        /// Freeze every ``InputEmbedding`` module: each ``Embedding`` and BERT's embedding block (with
        /// its LayerNorm).
        case freezeEmbeddings
        /// Freeze the lowest `n` transformer blocks.
        case freezeLowest(Int)
        /// Freeze the embeddings and every block except the top `n`; norms and heads above the
        /// blocks keep training.
        case trainTop(Int)
        /// Freeze the parameters whose path matches the glob (`*` any run, `?` one character).
        case freeze(String)
        /// Unfreeze the parameters whose path matches the glob.
        case unfreeze(String)
    }

    public var name: String { "partial" }
    /// The rules, applied in order after unfreezing everything.
    public var rules: [Rule]
    /// Module paths (or globs) that train whatever the rules say, e.g. `["classifier"]`.
    public var alwaysTrain: [String]

    /// Partial fine-tuning with `rules` applied in order, e.g.
    /// `PartialFineTuning(.freezeEmbeddings, .freezeLowest(4), alwaysTrain: ["classifier"])`.
    public init(_ rules: Rule..., alwaysTrain: [String] = []) {
        self.rules = rules
        self.alwaysTrain = alwaysTrain
    }

    /// Partial fine-tuning with an array of rules (see ``init(_:alwaysTrain:)``).
    public init(rules: [Rule], alwaysTrain: [String] = []) {
        self.rules = rules
        self.alwaysTrain = alwaysTrain
    }

    public func apply(to model: Module) throws {
        model.unfreeze()
        for rule in rules {
            switch rule {
            case .freezeEmbeddings:
                try freezeEmbeddings(model)
            case .freezeLowest(let n):
                let blocks = try Self.blocks(of: model)
                guard n >= 0 && n <= blocks.count else {
                    throw StrategyError.invalidConfiguration("freezeLowest(\(n)): the model has \(blocks.count) blocks")
                }
                blocks.prefix(n).forEach { $0.freeze() }
            case .trainTop(let n):
                let blocks = try Self.blocks(of: model)
                guard n >= 0 && n <= blocks.count else {
                    throw StrategyError.invalidConfiguration("trainTop(\(n)): the model has \(blocks.count) blocks")
                }
                try freezeEmbeddings(model)
                blocks.dropLast(n).forEach { $0.freeze() }
            case .freeze(let pattern):
                if model.freeze(matching: pattern) == 0 { throw StrategyError.noMatch(pattern: pattern, what: "parameter") }
            case .unfreeze(let pattern):
                if model.unfreeze(matching: pattern) == 0 { throw StrategyError.noMatch(pattern: pattern, what: "parameter") }
            }
        }
        try model.unfreezeModules(alwaysTrain)
    }

    private func freezeEmbeddings(_ model: Module) throws {
        let embeddings = model.namedModules().filter { $0.module is any InputEmbedding }
        guard !embeddings.isEmpty else { throw StrategyError.noMatch(pattern: "embeddings", what: "embedding module") }
        embeddings.forEach { $0.module.freeze() }
    }

    /// The transformer blocks of `model`, lowest first (found by type, ordered by index).
    static func blocks(of model: Module) throws(StrategyError) -> [Module] {
        let blocks = model.namedModules().filter { $0.module is TransformerBlock }
        guard !blocks.isEmpty else { throw .noMatch(pattern: "transformer blocks", what: "TransformerBlock") }
        func index(_ path: String) -> Int { Int(path.split(separator: ".").last ?? "") ?? 0 }
        return blocks.sorted { index($0.name) < index($1.name) }.map(\.module)
    }
}
