import TensorKit

/// The settings of a LoRA adapter, mirroring Hugging Face PEFT's `LoraConfig`.
///
/// ```swift
/// var config = LoRAConfig(rank: 8, alpha: 16, dropout: 0.05)
/// config.targetModules = ["query", "value"]      // or globs: ["layers.*.attention.*"]
/// config.modulesToSave = ["classifier"]          // the head trains fully, saved with the adapter
/// ```
public struct LoRAConfig: Equatable, Sendable {
    /// How A and B start.
    public enum Initialization: String, Equatable, Sendable {
        /// A Kaiming-uniform (PEFT's default, `init_lora_weights=True`), B zero: a no-op at start.
        case kaiming
        /// A normal with std 1/r, B zero (`init_lora_weights="gaussian"`).
        case gaussian
        /// PiSSA: the top-r singular triplets of W go into A and B, W keeps the residual.
        case pissa
        /// OLoRA: W's QR factors (first r columns of Q, rows of R), W keeps the residual.
        case olora
    }

    /// Which biases train alongside the adapter (PEFT's `bias`).
    public enum BiasMode: String, Equatable, Sendable {
        /// No bias trains.
        case none
        /// Every bias in the model trains.
        case all
        /// Only the biases of adapted layers train (`"lora_only"`).
        case loraOnly = "lora_only"
    }

    /// The rank r of A `[r, in]` and B `[out, r]`.
    public var rank: Int
    /// α: the update is scaled by α/r (α/√r with rsLoRA).
    public var alpha: Double
    /// Dropout probability on the adapter input.
    public var dropout: Double
    /// Module names or globs to adapt. A plain name matches a module path equal to it or ending
    /// in `.name` (PEFT's rule); a pattern with `*`/`?` is a glob on the full path. Nil picks the
    /// attention query/value projections (`query`, `value`, or a fused `qkv`).
    public var targetModules: [String]?
    /// Block indices to adapt (the first numeric component of a path); nil for all.
    public var layersToTransform: [Int]?
    /// Which biases train.
    public var bias: BiasMode
    /// Module paths that train fully and are saved with the adapter (e.g. a classifier head).
    public var modulesToSave: [String]
    /// Scale by α/√r instead of α/r (rank-stabilised LoRA).
    public var useRSLoRA: Bool
    /// DoRA: learn a magnitude per output row and apply LoRA to the direction.
    public var useDoRA: Bool
    /// How the factors start.
    public var initialization: Initialization

    /// The settings, with PEFT's `LoraConfig` defaults (r 8, α 8, no dropout); nil targets pick
    /// the attention query/value projections.
    public init(rank: Int = 8, alpha: Double = 8, dropout: Double = 0, targetModules: [String]? = nil,
                layersToTransform: [Int]? = nil, bias: BiasMode = .none, modulesToSave: [String] = [],
                useRSLoRA: Bool = false, useDoRA: Bool = false, initialization: Initialization = .kaiming) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
        self.layersToTransform = layersToTransform
        self.bias = bias
        self.modulesToSave = modulesToSave
        self.useRSLoRA = useRSLoRA
        self.useDoRA = useDoRA
        self.initialization = initialization
    }

    func validate() throws(StrategyError) {
        guard rank > 0 else { throw .invalidConfiguration("LoRA rank must be positive, got \(rank)") }
        guard (0..<1).contains(dropout) else { throw .invalidConfiguration("LoRA dropout must be in [0, 1), got \(dropout)") }
    }
}

/// Finding the layers (``Linear``, or any ``AdapterHost``) an adapter should attach to.
enum AdapterTargets {
    /// PEFT's matching: a plain name matches the path or a `.name` suffix; globs match the path.
    static func matches(_ path: String, _ pattern: String) -> Bool {
        if pattern.contains("*") || pattern.contains("?") { return Glob.matches(path, pattern) }
        return path == pattern || path.hasSuffix("." + pattern)
    }

    /// The first numeric component of a path (`layers.3.attention.query` → 3).
    static func layerIndex(_ path: String) -> Int? {
        path.split(separator: ".").lazy.compactMap { Int($0) }.first
    }

    /// Default targets: the attention query and value projections.
    static func defaults(for model: Module) -> [String] {
        let paths = model.baseNamedModules().filter { $0.module is any AdapterHost }.map(\.name)
        if paths.contains(where: { matches($0, "query") }) { return ["query", "value"] }
        return ["qkv"]
    }

    /// The adapter hosts (``Linear`` layers and the like) matched by `patterns` (restricted to
    /// `layers`), in model order. Every pattern must match at least one; adapters themselves are
    /// never targets.
    static func find(in model: Module, patterns: [String], layers: [Int]?) throws(StrategyError) -> [(path: String, layer: any AdapterHost)] {
        let linears = model.baseNamedModules().compactMap { entry -> (path: String, layer: any AdapterHost)? in
            (entry.module as? any AdapterHost).map { (entry.name, $0) }
        }
        var chosen = Set<String>()
        for pattern in patterns {
            let hits = linears.filter { matches($0.path, pattern) }
            guard !hits.isEmpty else { throw .noMatch(pattern: pattern, what: "Linear module") }
            let kept = hits.filter { hit in layers.map { layers in layerIndex(hit.path).map(layers.contains) ?? false } ?? true }
            guard !kept.isEmpty else {
                throw .noMatch(pattern: "\(pattern) in layers \(layers ?? [])", what: "Linear module")
            }
            kept.forEach { chosen.insert($0.path) }
        }
        return linears.filter { chosen.contains($0.path) }
    }
}
