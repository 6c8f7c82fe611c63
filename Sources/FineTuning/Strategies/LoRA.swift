import TensorKit

/// LoRA (Hu et al., 2021) as a strategy: freezes the model, attaches a named ``LoRAAdapter`` to
/// each targeted ``Linear`` (or other ``AdapterHost``), makes it the active adapter and lets only it (plus the biases its
/// ``LoRAConfig/bias`` mode names and ``LoRAConfig/modulesToSave``) train.
///
/// ```swift
/// let summary = try LoRA(LoRAConfig(rank: 8, alpha: 16, modulesToSave: ["classifier"])).prepare(model)
/// // ... train with AdamW(model: model), which follows what trains ...
/// try model.saveAdapter(to: folder)              // PEFT layout
/// model.mergeAdapters()                          // fold into the weights for inference
/// ```
///
/// Applying a second `LoRA` with another `adapterName` adds a second adapter and switches to it;
/// see ``Module/setActiveAdapter(_:)``. An optimizer built from a parameter list before the
/// switch does not hold the new adapter (the ``Trainer`` stops with `UntrackedParametersError`);
/// one built with `AdamW(model:)` follows it.
public struct LoRA: FineTuningStrategy {
    public var name: String { config.useDoRA ? "dora" : "lora" }
    /// The adapter settings.
    public var config: LoRAConfig
    /// The adapter's name (PEFT's default is `"default"`).
    public var adapterName: String
    /// Where random initialisations come from (the thread's default when nil).
    public var generator: Generator?

    /// LoRA with `config`, adding the adapter `adapterName` to every targeted layer.
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
