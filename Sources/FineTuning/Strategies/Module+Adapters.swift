import TensorKit

/// Model-wide adapter operations: every ``Linear`` carrying adapters, switched, merged or
/// removed together.
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
