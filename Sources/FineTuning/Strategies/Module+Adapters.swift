import TensorKit

/// Model-wide adapter operations: every ``AdapterHost`` layer carrying adapters, switched,
/// merged or removed together. Everything here goes through the host and adapter protocols, so
/// it works for any layer kind and any adapter kind.
extension Module {
    /// Every adapter host carrying adapters, with its path.
    func adaptedLayers() -> [(path: String, layer: any AdapterHost)] {
        namedModules().compactMap { entry in
            guard let host = entry.module as? any AdapterHost, !host.adapters.isEmpty else { return nil }
            return (entry.name, host)
        }
    }

    /// The names of the adapters attached anywhere in this model, sorted.
    public var adapterNames: [String] {
        Array(Set(adaptedLayers().flatMap { $0.layer.adapters.keys })).sorted()
    }

    /// The parameters of every attached adapter (LoRA factors, DoRA magnitudes, IA³ vectors)
    /// with their paths: what ``baseNamedParameters()`` leaves out.
    public func adapterParameters() -> [(name: String, tensor: Tensor)] {
        let ids = adapterParameterIDs()
        return namedParameters().filter { ids.contains(ObjectIdentifier($0.tensor)) }
    }

    /// Every parameter except the adapters' (the base model's own), with its path.
    public func baseNamedParameters() -> [(name: String, tensor: Tensor)] {
        let ids = adapterParameterIDs()
        guard !ids.isEmpty else { return namedParameters() }
        return namedParameters().filter { !ids.contains(ObjectIdentifier($0.tensor)) }
    }

    /// Every sub-module except adapters and what they hold, with its path.
    func baseNamedModules() -> [(name: String, module: Module)] {
        let adapters = Set(adaptedLayers().flatMap { entry in
            entry.layer.adapters.values.flatMap { $0.namedModules().map { ObjectIdentifier($0.module) } }
        })
        guard !adapters.isEmpty else { return namedModules() }
        return namedModules().filter { !adapters.contains(ObjectIdentifier($0.module)) }
    }

    private func adapterParameterIDs() -> Set<ObjectIdentifier> {
        Set(adaptedLayers().flatMap { entry in
            entry.layer.adapters.values.flatMap { $0.parameters().map(ObjectIdentifier.init) }
        })
    }

    /// Makes `name` the only active adapter on every layer that has it (layers without it run
    /// their base weights) and sets what trains: the whole model is frozen, then each of its
    /// adapters unfreezes what it trains on its layer (``LinearAdapter/activate(on:)``) and what
    /// it trains elsewhere (``LinearAdapter/trainsAlso``: LoRA's bias mode `all`, modules to
    /// save). Merged adapters are unmerged first.
    ///
    /// - Throws: ``StrategyError/unknownAdapter(_:)``.
    public func setActiveAdapter(_ name: String) throws(StrategyError) {
        let layers = adaptedLayers()
        guard layers.contains(where: { $0.layer.adapters[name] != nil }) else { throw .unknownAdapter(name) }
        freeze()
        var scope = AdapterTrainingScope()
        for (_, layer) in layers {
            layer.unmergeLayerAdapters()
            layer.adaptersEnabled = true
            guard let adapter = layer.adapters[name] else { layer.activeAdapters = []; continue }
            layer.activeAdapters = [name]
            adapter.activate(on: layer)
            let also = adapter.trainsAlso
            scope.modules += also.modules.filter { !scope.modules.contains($0) }
            scope.parameterPatterns += also.parameterPatterns.filter { !scope.parameterPatterns.contains($0) }
        }
        for pattern in scope.parameterPatterns { unfreeze(matching: pattern) }
        for path in scope.modules { module(at: path)?.unfreeze() }
    }

    /// Makes several adapters active at once: each layer runs the listed adapters it has, in
    /// order (LoRA updates add up). What trains is left as it is.
    ///
    /// - Throws: ``StrategyError/unknownAdapter(_:)`` for a name attached nowhere.
    public func setActiveAdapters(_ names: [String]) throws(StrategyError) {
        let layers = adaptedLayers()
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
        let layers = adaptedLayers().filter { $0.layer.adapters[name] != nil }
        guard !layers.isEmpty else { throw .unknownAdapter(name) }
        for (_, layer) in layers {
            layer.unmergeLayerAdapters()
            layer.adapters[name] = nil
            layer.activeAdapters.removeAll { $0 == name }
        }
        invalidateTree()   // the adapter may live on elsewhere, so its removal is announced
    }

    /// Folds the active adapters into the base weights: the same outputs with no adapter cost.
    ///
    /// A layer that cannot rewrite its weight (``AdapterHost/canRewriteWeight``) stops the program
    /// with a message naming it: run such a model with its adapters unmerged.
    public func mergeAdapters() { adaptedLayers().forEach { $0.layer.mergeLayerAdapters(path: $0.path) } }

    /// Takes merged adapters back out of the base weights.
    public func unmergeAdapters() { adaptedLayers().forEach { $0.layer.unmergeLayerAdapters() } }

    /// Runs the base model alone: unmerges, then turns adapters off until ``enableAdapters()``.
    public func disableAdapters() {
        for (_, layer) in adaptedLayers() {
            layer.unmergeLayerAdapters()
            layer.adaptersEnabled = false
        }
    }

    /// Turns the adapters back on after ``disableAdapters()``.
    public func enableAdapters() { adaptedLayers().forEach { $0.layer.adaptersEnabled = true } }

    /// Runs `body` with the adapters disabled (the base model), then enables them again.
    public func withAdaptersDisabled<R>(_ body: () throws -> R) rethrows -> R {
        disableAdapters()
        defer { enableAdapters() }
        return try body()
    }

    /// Merges the active adapters into the weights and removes every adapter: a plain model.
    public func mergeAndUnload() {
        for (path, layer) in adaptedLayers() {
            layer.mergeLayerAdapters(path: path)
            layer.adapters = [:]
            layer.activeAdapters = []
            layer.mergedAdapters = []
        }
    }
}

extension AdapterHost {
    /// Attaches `adapter` under `name`; it becomes active only through
    /// ``Module/setActiveAdapter(_:)`` or ``Module/setActiveAdapters(_:)``.
    ///
    /// - Throws: ``StrategyError/adapterExists(_:)`` when the name is taken.
    public func addAdapter(_ adapter: LinearAdapter, named name: String) throws(StrategyError) {
        guard adapters[name] == nil else { throw .adapterExists(name) }
        adapters[name] = adapter
        invalidateTree()   // an adapter built earlier (not new now) joins the tree
        adapter.train(isTraining)
    }
}
