import Foundation
import TensorKit

/// Saving and loading LoRA (and DoRA, IA³) adapters in Hugging Face PEFT's folder layout:
/// `adapter_config.json` plus `adapter_model.safetensors` with keys
/// `base_model.model.<module>.lora_A.weight` / `.lora_B.weight` (DoRA:
/// `.lora_magnitude_vector`), biases the adapter trains (`<module>.base_layer.bias` on adapted
/// layers), and the parameters of modules-to-save under their own names
/// (`base_model.model.classifier.weight`). IA³ adapters: `peft_type` `"IA3"` and
/// `<module>.ia3_l` vectors (`[out, 1]`, or `[1, in]` for feed-forward modules).
///
/// Module names are translated by `hfModulePath` (our module path → the Hugging Face one, e.g.
/// `layers.0.attention.query` → `encoder.layer.0.attention.self.query`); the identity by default.
extension Module {
    /// The PEFT key prefix.
    static var peftPrefix: String { "base_model.model." }

    /// Writes adapter `name` to `folder` (created if needed) in PEFT's layout. Both files are
    /// written atomically.
    ///
    /// - Parameters:
    ///   - name: the adapter to write.
    ///   - folder: the destination folder.
    ///   - baseModel: recorded as `base_model_name_or_path`.
    ///   - taskType: PEFT's `task_type` (`"SEQ_CLS"`, `"CAUSAL_LM"`, `"FEATURE_EXTRACTION"`...).
    ///   - hfModulePath: maps our module paths to the Hugging Face model's (identity by default).
    /// - Throws: ``StrategyError/unknownAdapter(_:)``, or a file-system error.
    public func saveAdapter(_ name: String = "default", to folder: URL, baseModel: String? = nil,
                            taskType: String? = nil, hfModulePath: (String) -> String = { $0 }) throws {
        if adaptedLinears().contains(where: { $0.layer.adapters[name] is IA3Adapter }) {
            try saveIA3Adapter(name, to: folder, baseModel: baseModel, taskType: taskType, hfModulePath: hfModulePath)
            return
        }
        let layers = adaptedLinears().compactMap { entry -> (path: String, layer: Linear, adapter: LoRAAdapter)? in
            guard let adapter = entry.layer.adapters[name] as? LoRAAdapter else { return nil }
            return (entry.path, entry.layer, adapter)
        }
        guard let config = layers.first?.adapter.config else { throw StrategyError.unknownAdapter(name) }
        let merged = layers.filter { $0.adapter.isMerged }.map(\.path)
        guard merged.isEmpty else {
            throw StrategyError.invalidConfiguration("adapter '\(name)' is merged into \(merged[0]); unmerge before saving")
        }
        let prefix = Self.peftPrefix
        var tensors: [String: Tensor] = [:]
        for (path, _, adapter) in layers {
            let module = hfModulePath(path)
            tensors[prefix + module + ".lora_A.weight"] = adapter.loraA.contiguous()
            tensors[prefix + module + ".lora_B.weight"] = adapter.loraB.contiguous()
            if let magnitude = adapter.magnitude { tensors[prefix + module + ".lora_magnitude_vector"] = magnitude.contiguous() }
        }
        let adaptedPaths = Set(layers.map(\.path))
        var extra: [(String, Tensor)] = []
        switch config.bias {
        case .none: break
        case .loraOnly: extra = layers.compactMap { entry in entry.layer.bias.map { ("\(entry.path).bias", $0) } }
        case .all: extra = namedParameters().filter { !$0.name.contains(".adapters.") && $0.name.hasSuffix("bias") }
        }
        for path in config.modulesToSave {
            guard let module = module(at: path) else { throw StrategyError.noMatch(pattern: path, what: "module to save") }
            extra += module.namedParameters().filter { !$0.name.contains(".adapters.") }
                .map { (path.isEmpty ? $0.name : "\(path).\($0.name)", $0.tensor) }
        }
        for (parameterPath, tensor) in extra {
            let (modulePath, leaf) = Self.splitParameterPath(parameterPath)
            let base = adaptedPaths.contains(modulePath) ? ".base_layer." : "."
            let key = modulePath.isEmpty ? leaf : hfModulePath(modulePath) + base + leaf
            tensors[prefix + key] = tensor.contiguous()
        }

        let json: [String: Any] = [
            "peft_type": "LORA",
            "r": config.rank,
            "lora_alpha": config.alpha.rounded() == config.alpha ? Int(config.alpha) as Any : config.alpha as Any,
            "lora_dropout": config.dropout,
            "target_modules": layers.map { hfModulePath($0.path) },
            "use_rslora": config.useRSLoRA,
            "use_dora": config.useDoRA,
            "modules_to_save": config.modulesToSave.isEmpty ? NSNull() : config.modulesToSave.map(hfModulePath) as Any,
            "bias": config.bias.rawValue,
            "task_type": taskType as Any? ?? NSNull(),
            "base_model_name_or_path": baseModel as Any? ?? NSNull(),
            "fan_in_fan_out": false,
            "inference_mode": true,
            "init_lora_weights": config.initialization == .kaiming ? true as Any : config.initialization.rawValue as Any,
            "layers_to_transform": config.layersToTransform.map { $0 as Any } ?? NSNull(),
            "layers_pattern": NSNull(),
            "rank_pattern": [String: Any](),
            "alpha_pattern": [String: Any](),
        ]
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(data), to: folder.appendingPathComponent("adapter_config.json"))
        try SafeTensors.save(tensors, metadata: ["format": "pt"], to: folder.appendingPathComponent("adapter_model.safetensors"))
    }

    /// Reads a PEFT adapter folder (LoRA, DoRA or IA³) into this model as adapter `name`, makes it active and
    /// returns its configuration. Nothing changes if the files are malformed or name modules
    /// the model lacks.
    ///
    /// - Throws: ``StrategyError/adapterTargetsNotFound(file:modules:)`` naming (in Hugging Face
    ///   names) every module of the file with no matching Linear;
    ///   ``StrategyError/invalidAdapterFile(file:reason:)`` for bad JSON, a `peft_type` other than LORA or IA3
    ///   or mis-shaped tensors; ``StrategyError/adapterExists(_:)``; file and safetensors errors.
    @discardableResult
    public func loadAdapter(from folder: URL, as name: String = "default",
                            hfModulePath: (String) -> String = { $0 }) throws -> PEFTAdapterConfig {
        let configURL = folder.appendingPathComponent("adapter_config.json")
        let weightsURL = folder.appendingPathComponent("adapter_model.safetensors")
        let json = try Self.readAdapterJSON(configURL)
        if (json["peft_type"] as? String)?.uppercased() == "IA3" {
            return try loadIA3Adapter(json: json, configURL: configURL, weightsURL: weightsURL, as: name, hfModulePath: hfModulePath)
        }
        var config = try Self.readLoRAConfig(json, url: configURL)
        let tensors = try SafeTensors.load(contentsOf: weightsURL)
        let prefix = Self.peftPrefix
        let (linears, modulesByHF, parameters) = hfLookup(hfModulePath)

        struct Pieces { var a: Tensor?, b: Tensor?, magnitude: Tensor? }
        var pieces: [String: Pieces] = [:]
        var assignments: [(Tensor, Tensor)] = []
        var missing: [String] = []
        for (key, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
            guard key.hasPrefix(prefix) else {
                throw StrategyError.invalidAdapterFile(file: weightsURL.path, reason: "key '\(key)' does not start with '\(prefix)'")
            }
            let body = String(key.dropFirst(prefix.count))
            if let (module, piece) = Self.loraPiece(body) {
                guard linears[module] != nil else { missing.append(module); continue }
                switch piece {
                case "lora_A": pieces[module, default: Pieces()].a = tensor
                case "lora_B": pieces[module, default: Pieces()].b = tensor
                default: pieces[module, default: Pieces()].magnitude = tensor
                }
            } else {
                guard let parameter = try Self.savedParameter(body, tensor, parameters: parameters, file: weightsURL.path) else {
                    missing.append(Self.splitParameterPath(body.replacingOccurrences(of: ".base_layer.", with: ".")).module)
                    continue
                }
                assignments.append((parameter, tensor))
            }
        }
        if !missing.isEmpty {
            throw StrategyError.adapterTargetsNotFound(file: weightsURL.path, modules: Array(Set(missing)).sorted())
        }
        // Build every adapter before attaching any, so a bad shape changes nothing.
        var built: [(Linear, LoRAAdapter)] = []
        var construction = config
        construction.initialization = .kaiming   // the file holds the factors; never rewrite W here
        construction.useDoRA = false
        for (module, piece) in pieces.sorted(by: { $0.key < $1.key }) {
            let (path, layer) = linears[module]!
            guard let a = piece.a, let b = piece.b else {
                throw StrategyError.invalidAdapterFile(file: weightsURL.path, reason: "\(module) lacks lora_A or lora_B")
            }
            guard a.shape == [config.rank, layer.inFeatures], b.shape == [layer.outFeatures, config.rank] else {
                throw StrategyError.invalidAdapterFile(
                    file: weightsURL.path,
                    reason: "\(module): lora_A \(a.shape) / lora_B \(b.shape) do not fit r=\(config.rank) and weight \(layer.weight.shape)")
            }
            guard layer.adapters[name] == nil else { throw StrategyError.adapterExists(name) }
            let adapter = try LoRAAdapter(for: layer, config: construction, path: path)
            adapter.config = config
            let dtype = layer.weight.dtype
            withGradientsDisabled {
                adapter.loraA.assign(a.cast(to: dtype))
                adapter.loraB.assign(b.cast(to: dtype))
                if let m = piece.magnitude {
                    adapter.magnitude = m.cast(to: dtype).contiguous().requiringGrad(true)
                }
            }
            built.append((layer, adapter))
        }
        guard !built.isEmpty else {
            throw StrategyError.invalidAdapterFile(file: weightsURL.path, reason: "no lora_A/lora_B tensors")
        }
        config.useDoRA = built.contains { $0.1.magnitude != nil }
        for (layer, adapter) in built { try layer.addAdapter(adapter, named: name) }
        withGradientsDisabled { for (parameter, source) in assignments { parameter.assign(source.cast(to: parameter.dtype)) } }
        // Modules to save are given in Hugging Face names in the file; keep ours in the config.
        config.modulesToSave = Self.ourModules(config.modulesToSave, modulesByHF)
        for (_, adapter) in built { adapter.config = config }
        try setActiveAdapter(name)
        return .lora(config)
    }

    /// Our Linear layers, module paths and parameters by their Hugging Face names.
    func hfLookup(_ hfModulePath: (String) -> String)
        -> (linears: [String: (path: String, layer: Linear)], modules: [String: String], parameters: [String: Tensor]) {
        var linears: [String: (path: String, layer: Linear)] = [:]
        var modulesByHF: [String: String] = [:]
        for (path, module) in namedModules() where !path.contains(".adapters.") {
            modulesByHF[path.isEmpty ? "" : hfModulePath(path)] = path
            if let linear = module as? Linear { linears[hfModulePath(path)] = (path, linear) }
        }
        var parameters: [String: Tensor] = [:]
        for (path, tensor) in namedParameters() where !path.contains(".adapters.") {
            let (modulePath, leaf) = Self.splitParameterPath(path)
            parameters[modulePath.isEmpty ? leaf : hfModulePath(modulePath) + "." + leaf] = tensor
        }
        return (linears, modulesByHF, parameters)
    }

    /// Hugging Face module names → ours. A Hugging Face module may contain ours (PEFT's
    /// `pooler` holds `pooler.dense`, which is our `pooler`); names with no counterpart drop.
    static func ourModules(_ names: [String], _ modulesByHF: [String: String]) -> [String] {
        Array(Set(names.compactMap { hf in
            modulesByHF[hf] ?? modulesByHF.filter { $0.key.hasPrefix(hf + ".") }.min { $0.value.count < $1.value.count }?.value
        })).sorted()
    }

    /// Parameters saved beside the adapter (modules-to-save, trained biases) in PEFT's keys,
    /// given `body` (the key without the PEFT prefix): the tensor to assign into, or nil when
    /// the model has no such parameter. Throws for a shape mismatch.
    static func savedParameter(_ body: String, _ tensor: Tensor, parameters: [String: Tensor], file: String) throws -> Tensor? {
        let plain = body.replacingOccurrences(of: ".base_layer.", with: ".")
        guard let parameter = parameters[plain] else { return nil }
        guard parameter.shape == tensor.shape else {
            throw StrategyError.invalidAdapterFile(file: file, reason: "\(body) has shape \(tensor.shape), the model's is \(parameter.shape)")
        }
        return parameter
    }

    /// `"a.b.weight"` → (`"a.b"`, `"weight"`).
    static func splitParameterPath(_ path: String) -> (module: String, leaf: String) {
        guard let dot = path.lastIndex(of: ".") else { return ("", path) }
        return (String(path[..<dot]), String(path[path.index(after: dot)...]))
    }

    /// `"<module>.lora_A.weight"` → (module, "lora_A"); also lora_B and lora_magnitude_vector.
    static func loraPiece(_ key: String) -> (String, String)? {
        for (suffix, piece) in [(".lora_A.weight", "lora_A"), (".lora_B.weight", "lora_B"),
                                (".lora_magnitude_vector", "magnitude"), (".lora_magnitude_vector.weight", "magnitude")]
        where key.hasSuffix(suffix) {
            return (String(key.dropLast(suffix.count)), piece)
        }
        return nil
    }

    static func readAdapterJSON(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StrategyError.invalidAdapterFile(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw StrategyError.invalidAdapterFile(file: url.path, reason: "not a JSON object")
        }
        return json
    }

    static func readLoRAConfig(_ json: [String: Any], url: URL) throws -> LoRAConfig {
        func bad(_ reason: String) -> StrategyError { .invalidAdapterFile(file: url.path, reason: reason) }
        guard (json["peft_type"] as? String)?.uppercased() == "LORA" else {
            throw bad("peft_type is \(json["peft_type"] ?? "missing"), only LORA and IA3 adapters are supported")
        }
        guard let rank = (json["r"] as? NSNumber)?.intValue, rank > 0 else { throw bad("'r' must be a positive integer") }
        var config = LoRAConfig(rank: rank, alpha: (json["lora_alpha"] as? NSNumber)?.doubleValue ?? 8,
                                dropout: (json["lora_dropout"] as? NSNumber)?.doubleValue ?? 0)
        switch json["target_modules"] {
        case let list as [String]: config.targetModules = list
        case let single as String: config.targetModules = [single]
        default: break
        }
        config.layersToTransform = (json["layers_to_transform"] as? [NSNumber])?.map(\.intValue)
            ?? (json["layers_to_transform"] as? NSNumber).map { [$0.intValue] }
        if let bias = json["bias"] as? String {
            guard let mode = LoRAConfig.BiasMode(rawValue: bias) else { throw bad("unknown bias mode '\(bias)'") }
            config.bias = mode
        }
        config.modulesToSave = json["modules_to_save"] as? [String] ?? []
        config.useRSLoRA = json["use_rslora"] as? Bool ?? false
        config.useDoRA = json["use_dora"] as? Bool ?? false
        // `fan_in_fan_out` describes how the base layer stores its weight (GPT-2's Conv1D, `[in, out]`);
        // the factors are `[r, in]` and `[out, r]` either way, and our Linear is `[out, in]`, so it
        // changes nothing here.
        if let rankPattern = json["rank_pattern"] as? [String: Any], !rankPattern.isEmpty { throw bad("rank_pattern is not supported") }
        if let alphaPattern = json["alpha_pattern"] as? [String: Any], !alphaPattern.isEmpty { throw bad("alpha_pattern is not supported") }
        if let mode = json["init_lora_weights"] as? String, let initialization = LoRAConfig.Initialization(rawValue: mode.lowercased()) {
            config.initialization = initialization
        }
        return config
    }
}
