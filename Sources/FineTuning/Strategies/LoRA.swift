import TensorKit

/// LoRA (Hu et al., 2021) as a strategy: freezes the model, attaches a named ``LoRAAdapter`` to
/// each targeted ``Linear``, makes it the active adapter and lets only it (plus the biases its
/// ``LoRAConfig/bias`` mode names and ``LoRAConfig/modulesToSave``) train.
///
/// ```swift
/// let summary = try LoRA(LoRAConfig(rank: 8, alpha: 16, modulesToSave: ["classifier"])).prepare(model)
/// // ... train model.trainableParameters() ...
/// try model.saveAdapter(to: folder)              // PEFT layout
/// model.mergeAdapters()                          // fold into the weights for inference
/// ```
///
/// Applying a second `LoRA` with another `adapterName` adds a second adapter and switches to it;
/// see ``Module/setActiveAdapter(_:)``.
public struct LoRA: FineTuningStrategy {
    public var name: String { config.useDoRA ? "dora" : "lora" }
    /// The adapter settings.
    public var config: LoRAConfig
    /// The adapter's name (PEFT's default is `"default"`).
    public var adapterName: String
    /// Where random initialisations come from (the thread's default when nil).
    public var generator: Generator?

    public init(_ config: LoRAConfig = LoRAConfig(), adapterName: String = "default", generator: Generator? = nil) {
        self.config = config
        self.adapterName = adapterName
        self.generator = generator
    }

    public func apply(to model: Module) throws {
        try config.validate()
        let targets = try AdapterTargets.find(in: model, patterns: config.targetModules ?? AdapterTargets.defaults(for: model),
                                              layers: config.layersToTransform)
        if targets.contains(where: { $0.layer.adapters[adapterName] != nil }) { throw StrategyError.adapterExists(adapterName) }
        // Check modules-to-save before changing anything.
        let modules = model.namedModules()
        for path in config.modulesToSave where !modules.contains(where: { $0.name == path }) {
            throw StrategyError.noMatch(pattern: path, what: "module to save")
        }
        for (path, layer) in targets {
            let adapter = try LoRAAdapter(for: layer, config: config, path: path, generator: generator)
            try layer.addAdapter(adapter, named: adapterName)
        }
        try model.setActiveAdapter(adapterName)
    }
}

/// DoRA (Liu et al., 2024): LoRA on the weight direction plus a learned magnitude per output row.
/// The same as ``LoRA`` with ``LoRAConfig/useDoRA`` set.
public func DoRA(_ config: LoRAConfig = LoRAConfig(), adapterName: String = "default", generator: Generator? = nil) -> LoRA {
    var config = config
    config.useDoRA = true
    return LoRA(config, adapterName: adapterName, generator: generator)
}

extension Module {
    /// Every Linear carrying adapters, with its path.
    func adaptedLinears() -> [(path: String, layer: Linear)] {
        namedModules().compactMap { entry in
            guard let linear = entry.module as? Linear, !linear.adapters.isEmpty else { return nil }
            return (entry.name, linear)
        }
    }

    /// The names of the adapters attached anywhere in this model, sorted.
    public var adapterNames: [String] {
        Array(Set(adaptedLinears().flatMap { $0.layer.adapters.keys })).sorted()
    }

    /// Makes `name` the only active adapter on every layer that has it (layers without it run
    /// their base weights) and sets what trains: the whole model is frozen, then that adapter,
    /// the biases its LoRA bias mode names and its modules-to-save are unfrozen. Merged adapters
    /// are unmerged first.
    ///
    /// - Throws: ``StrategyError/unknownAdapter(_:)``.
    public func setActiveAdapter(_ name: String) throws(StrategyError) {
        let layers = adaptedLinears()
        guard layers.contains(where: { $0.layer.adapters[name] != nil }) else { throw .unknownAdapter(name) }
        freeze()
        var config: LoRAConfig?
        for (_, layer) in layers {
            layer.unmergeLayerAdapters()
            layer.adaptersEnabled = true
            guard let adapter = layer.adapters[name] else { layer.activeAdapters = []; continue }
            layer.activeAdapters = [name]
            adapter.unfreeze()
            if let lora = adapter as? LoRAAdapter {
                config = lora.config
                if lora.config.bias == .loraOnly { layer.bias?.requiresGrad = true }
            } else if let ia3 = adapter as? IA3Adapter {
                ia3.modulesToSave.forEach { path in self.module(at: path)?.unfreeze() }
            }
        }
        if let config {
            if config.bias == .all { unfreeze(matching: "*bias") }
            config.modulesToSave.forEach { path in self.module(at: path)?.unfreeze() }
        }
    }

    /// Makes several adapters active at once: each layer runs the listed adapters it has, in
    /// order (LoRA updates add up). What trains is left as it is.
    ///
    /// - Throws: ``StrategyError/unknownAdapter(_:)`` for a name attached nowhere.
    public func setActiveAdapters(_ names: [String]) throws(StrategyError) {
        let layers = adaptedLinears()
        for name in names where !layers.contains(where: { $0.layer.adapters[name] != nil }) { throw .unknownAdapter(name) }
        for (_, layer) in layers {
            layer.unmergeLayerAdapters()
            layer.adaptersEnabled = true
            layer.activeAdapters = names.filter { layer.adapters[$0] != nil }
        }
    }

    /// Removes the adapter `name` from every layer (unmerging first).
    ///
    /// - Throws: ``StrategyError/unknownAdapter(_:)``.
    public func deleteAdapter(_ name: String) throws(StrategyError) {
        let layers = adaptedLinears().filter { $0.layer.adapters[name] != nil }
        guard !layers.isEmpty else { throw .unknownAdapter(name) }
        for (_, layer) in layers {
            layer.unmergeLayerAdapters()
            layer.adapters[name] = nil
            layer.activeAdapters.removeAll { $0 == name }
        }
    }

    /// Folds the active adapters into the base weights: the same outputs with no adapter cost.
    public func mergeAdapters() { adaptedLinears().forEach { $0.layer.mergeLayerAdapters() } }

    /// Takes merged adapters back out of the base weights.
    public func unmergeAdapters() { adaptedLinears().forEach { $0.layer.unmergeLayerAdapters() } }

    /// Runs the base model alone: unmerges, then turns adapters off until ``enableAdapters()``.
    public func disableAdapters() {
        for (_, layer) in adaptedLinears() {
            layer.unmergeLayerAdapters()
            layer.adaptersEnabled = false
        }
    }

    /// Turns the adapters back on after ``disableAdapters()``.
    public func enableAdapters() { adaptedLinears().forEach { $0.layer.adaptersEnabled = true } }

    /// Runs `body` with the adapters disabled (the base model), then enables them again.
    public func withAdaptersDisabled<R>(_ body: () throws -> R) rethrows -> R {
        disableAdapters()
        defer { enableAdapters() }
        return try body()
    }

    /// Merges the active adapters into the weights and removes every adapter: a plain model.
    public func mergeAndUnload() {
        for (_, layer) in adaptedLinears() {
            layer.mergeLayerAdapters()
            layer.adapters = [:]
            layer.activeAdapters = []
            layer.mergedAdapters = []
        }
    }
}
