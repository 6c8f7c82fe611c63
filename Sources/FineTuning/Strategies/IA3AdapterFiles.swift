import Foundation
import TensorKit

/// What an adapter folder held, as returned by ``Module/loadAdapter(from:as:hfModulePath:)``.
public enum PEFTAdapterConfig: Equatable, Sendable {
    /// A LoRA or DoRA adapter.
    case lora(LoRAConfig)
    /// An IA³ adapter: the adapted modules and which of them scale their input (Hugging Face
    /// names, as in the file) and the modules saved with it (our paths).
    case ia3(targetModules: [String], feedForwardModules: [String], modulesToSave: [String])

    /// The LoRA configuration, or nil for another kind of adapter.
    public var lora: LoRAConfig? {
        if case .lora(let config) = self { return config }
        return nil
    }
}

extension Module {
    /// Writes IA³ adapter `name` in PEFT's layout (`ia3_l` vectors: `[out, 1]` on outputs,
    /// `[1, in]` on feed-forward inputs).
    func saveIA3Adapter(_ name: String, to folder: URL, baseModel: String?, taskType: String?,
                        hfModulePath: (String) -> String) throws {
        let layers = adaptedLinears().compactMap { entry -> (path: String, adapter: IA3Adapter)? in
            (entry.layer.adapters[name] as? IA3Adapter).map { (entry.path, $0) }
        }
        guard let first = layers.first?.adapter else { throw StrategyError.unknownAdapter(name) }
        if let merged = layers.first(where: { $0.adapter.isMerged }) {
            throw StrategyError.invalidConfiguration("adapter '\(name)' is merged into \(merged.path); unmerge before saving")
        }
        let prefix = Self.peftPrefix
        var tensors: [String: Tensor] = [:]
        for (path, adapter) in layers {
            let n = adapter.scaling.count
            tensors[prefix + hfModulePath(path) + ".ia3_l"] = adapter.scaling.contiguous().reshape(adapter.isFeedForward ? [1, n] : [n, 1])
        }
        for path in first.modulesToSave {
            guard let module = module(at: path) else { throw StrategyError.noMatch(pattern: path, what: "module to save") }
            for (name, tensor) in module.namedParameters() where !name.contains(".adapters.") {
                let (sub, leaf) = Self.splitParameterPath(path.isEmpty ? name : "\(path).\(name)")
                tensors[prefix + (sub.isEmpty ? leaf : hfModulePath(sub) + "." + leaf)] = tensor.contiguous()
            }
        }
        let json: [String: Any] = [
            "peft_type": "IA3",
            "target_modules": layers.map { hfModulePath($0.path) },
            "feedforward_modules": layers.filter(\.adapter.isFeedForward).map { hfModulePath($0.path) },
            "modules_to_save": first.modulesToSave.isEmpty ? NSNull() : first.modulesToSave.map(hfModulePath) as Any,
            "task_type": taskType as Any? ?? NSNull(),
            "base_model_name_or_path": baseModel as Any? ?? NSNull(),
            "fan_in_fan_out": false,
            "inference_mode": true,
            "init_ia3_weights": true,
        ]
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(data), to: folder.appendingPathComponent("adapter_config.json"))
        try SafeTensors.save(tensors, metadata: ["format": "pt"], to: folder.appendingPathComponent("adapter_model.safetensors"))
    }

    /// Reads a PEFT IA³ adapter; nothing changes if it does not fit the model.
    func loadIA3Adapter(json: [String: Any], configURL: URL, weightsURL: URL, as name: String,
                        hfModulePath: (String) -> String) throws -> PEFTAdapterConfig {
        let file = weightsURL.path
        let strings = { (key: String) -> [String] in
            (json[key] as? [String]) ?? (json[key] as? String).map { [$0] } ?? []
        }
        let feedForwardNames = strings("feedforward_modules")
        let tensors = try SafeTensors.load(contentsOf: weightsURL)
        let (linears, modulesByHF, parameters) = hfLookup(hfModulePath)
        var built: [(Linear, IA3Adapter, Tensor)] = []
        var assignments: [(Tensor, Tensor)] = []
        var missing: [String] = []
        let modulesToSave = Self.ourModules(strings("modules_to_save"), modulesByHF)
        for (key, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
            guard key.hasPrefix(Self.peftPrefix) else {
                throw StrategyError.invalidAdapterFile(file: file, reason: "key '\(key)' does not start with '\(Self.peftPrefix)'")
            }
            let body = String(key.dropFirst(Self.peftPrefix.count))
            if body.hasSuffix(".ia3_l") {
                let module = String(body.dropLast(".ia3_l".count))
                guard let (_, layer) = linears[module] else { missing.append(module); continue }
                let feedForward = feedForwardNames.contains { AdapterTargets.matches(module, $0) }
                let expected = feedForward ? [1, layer.inFeatures] : [layer.outFeatures, 1]
                guard tensor.shape == expected || tensor.shape == [expected.reduce(1, *)] else {
                    throw StrategyError.invalidAdapterFile(file: file, reason: "\(key) has shape \(tensor.shape), expected \(expected)")
                }
                guard layer.adapters[name] == nil else { throw StrategyError.adapterExists(name) }
                built.append((layer, IA3Adapter(for: layer, feedForward: feedForward, modulesToSave: modulesToSave), tensor))
            } else if let parameter = try Self.savedParameter(body, tensor, parameters: parameters, file: file) {
                assignments.append((parameter, tensor))
            } else {
                missing.append(Self.splitParameterPath(body).module)
            }
        }
        if !missing.isEmpty { throw StrategyError.adapterTargetsNotFound(file: file, modules: Array(Set(missing)).sorted()) }
        guard !built.isEmpty else { throw StrategyError.invalidAdapterFile(file: file, reason: "no ia3_l tensors") }
        withGradientsDisabled {
            for (_, adapter, vector) in built { adapter.scaling.assign(vector.reshape([-1]).cast(to: adapter.scaling.dtype)) }
            for (parameter, source) in assignments { parameter.assign(source.cast(to: parameter.dtype)) }
        }
        for (layer, adapter, _) in built { try layer.addAdapter(adapter, named: name) }
        try setActiveAdapter(name)
        return .ia3(targetModules: strings("target_modules"), feedForwardModules: feedForwardNames, modulesToSave: modulesToSave)
    }
}
