import Foundation
import TensorKit

/// Saving and loading adapters in Hugging Face PEFT's folder layout: `adapter_config.json` plus
/// `adapter_model.safetensors` with keys `base_model.model.<module>.<entry>`. What the entries and
/// the config fields are belongs to each adapter kind (``PEFTAdapterFormat``: LoRA/DoRA in
/// `LoRAAdapterFiles.swift`, IA³ in `IA3AdapterFiles.swift`); this file writes and picks them.
///
/// Module names are translated by `hfModulePath` (our module path → the Hugging Face one, e.g.
/// `layers.0.attention.query` → `encoder.layer.0.attention.self.query`); the identity by default.
extension Module {
    /// The PEFT key prefix.
    static var peftPrefix: String { "base_model.model." }

    /// Writes adapter `name` to `folder` (created if needed) in PEFT's layout. The folder is
    /// replaced as one unit (`AtomicFolder`): a reader sees the old adapter or the new one;
    /// other files already in the folder are kept.
    ///
    /// - Parameters:
    ///   - name: the adapter to write.
    ///   - folder: the destination folder.
    ///   - baseModel: recorded as `base_model_name_or_path`.
    ///   - taskType: PEFT's `task_type` (`"SEQ_CLS"`, `"CAUSAL_LM"`, `"FEATURE_EXTRACTION"`...).
    ///   - hfModulePath: maps our module paths to the Hugging Face model's (identity by default).
    ///   - shortTargetNames: write `target_modules` as the adapted modules' last names
    ///     (`["k_proj", "q_proj"]`, as PEFT users write them) when those names, with
    ///     `layers_to_transform`, pick exactly the adapted layers; full paths otherwise (and by default).
    /// - Throws: ``StrategyError/unknownAdapter(_:)``, or a file-system error.
    public func saveAdapter(_ name: String = "default", to folder: URL, baseModel: String? = nil,
                            taskType: String? = nil, hfModulePath: (String) -> String = { $0 },
                            shortTargetNames: Bool = false) throws {
        let layers = adaptedLayers().compactMap { entry in
            entry.layer.adapters[name].map { (path: entry.path, layer: entry.layer, adapter: $0) }
        }
        guard let first = layers.first else { throw StrategyError.unknownAdapter(name) }
        guard let kind = type(of: first.adapter) as? any PEFTAdapterFormat.Type else {
            throw StrategyError.invalidConfiguration("adapter '\(name)' is a \(type(of: first.adapter)), which has no PEFT file format")
        }
        if let merged = layers.first(where: { $0.adapter.isMerged }) {
            throw StrategyError.invalidConfiguration("adapter '\(name)' is merged into \(merged.path); unmerge before saving")
        }
        var (tensors, json) = try peftContents(kind, name: name, layers: layers, hfModulePath: hfModulePath)
        // IA³'s feedforward_modules must stay a subset of its targets, so only LoRA's are shortened.
        if shortTargetNames, json["feedforward_modules"] == nil, let paths = json["target_modules"] as? [String] {
            let hosts = baseNamedModules().filter { $0.module is any AdapterHost }.map { hfModulePath($0.name) }
            if let names = Self.shortTargetNames(for: paths, among: hosts, layers: json["layers_to_transform"] as? [Int]) {
                json["target_modules"] = names
            }
        }
        json["peft_type"] = kind.peftType
        json["task_type"] = taskType as Any? ?? NSNull()
        json["base_model_name_or_path"] = baseModel as Any? ?? NSNull()
        json["fan_in_fan_out"] = false
        json["inference_mode"] = true
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        // Config and weights are replaced as one unit: a kill or a full disk between the two files
        // must never leave a new config beside old weights.
        try AtomicFolder.write(to: folder) { temporary in
            try AtomicFile.write(Array(data), to: temporary.appendingPathComponent("adapter_config.json"), durable: false)
            try SafeTensors.save(tensors, metadata: ["format": "pt"], to: temporary.appendingPathComponent("adapter_model.safetensors"),
                                 durable: false)
        }
    }

    /// Reads a PEFT adapter folder (LoRA, DoRA or IA³) into this model as adapter `name`, makes it active and
    /// returns its configuration. Nothing changes if the files are malformed or name modules
    /// the model lacks.
    ///
    /// - Throws: ``StrategyError/adapterTargetsNotFound(file:modules:)`` naming (in Hugging Face
    ///   names) every module of the file with no matching layer;
    ///   ``StrategyError/invalidAdapterFile(file:reason:)`` for bad JSON, a `peft_type` other than LORA or IA3
    ///   or mis-shaped tensors; ``StrategyError/adapterExists(_:)``; file and safetensors errors.
    @discardableResult
    public func loadAdapter(from folder: URL, as name: String = "default",
                            hfModulePath: (String) -> String = { $0 }) throws -> PEFTAdapterConfig {
        let configURL = folder.appendingPathComponent("adapter_config.json")
        let weightsURL = folder.appendingPathComponent("adapter_model.safetensors")
        let json = try Self.readAdapterJSON(configURL)
        let kinds = Self.peftAdapterKinds
        let peftType = (json["peft_type"] as? String)?.uppercased()
        guard let kind = kinds.first(where: { kind in kind.peftType == peftType }) else {
            throw StrategyError.invalidAdapterFile(
                file: configURL.path,
                reason: "peft_type is \(json["peft_type"] ?? "missing"), only \(kinds.map { kind in kind.peftType }.joined(separator: " and ")) adapters are supported")
        }
        let config = try loadPEFT(kind, config: json, configURL: configURL, weightsURL: weightsURL, as: name,
                                  hfModulePath: hfModulePath)
        try setActiveAdapter(name)
        return config
    }

    /// Our adapter hosts (``Linear`` layers), module paths and parameters by their Hugging Face
    /// names; adapters and their parameters are left out.
    func hfLookup(_ hfModulePath: (String) -> String)
        -> (linears: [String: (path: String, layer: any AdapterHost)], modules: [String: String], parameters: [String: Tensor]) {
        var linears: [String: (path: String, layer: any AdapterHost)] = [:]
        var modulesByHF: [String: String] = [:]
        for (path, module) in baseNamedModules() {
            modulesByHF[path.isEmpty ? "" : hfModulePath(path)] = path
            if let host = module as? any AdapterHost { linears[hfModulePath(path)] = (path, host) }
        }
        var parameters: [String: Tensor] = [:]
        for (path, tensor) in baseNamedParameters() {
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

    /// The distinct last components of `paths` (`model.layers.3.self_attn.q_proj` → `q_proj`),
    /// sorted, when PEFT's matching of those names among `hosts` (restricted to block indices
    /// `layers`) picks exactly `paths`; nil when it would pick more.
    static func shortTargetNames(for paths: [String], among hosts: [String], layers: [Int]?) -> [String]? {
        let names = Array(Set(paths.map { path in path.split(separator: ".").last.map(String.init) ?? path })).sorted()
        let picked = hosts.filter { host in
            names.contains { AdapterTargets.matches(host, $0) }
                && (layers.map { layers in AdapterTargets.layerIndex(host).map(layers.contains) ?? false } ?? true)
        }
        return Set(picked) == Set(paths) ? names : nil
    }

    /// `"a.b.weight"` → (`"a.b"`, `"weight"`).
    static func splitParameterPath(_ path: String) -> (module: String, leaf: String) {
        guard let dot = path.lastIndex(of: ".") else { return ("", path) }
        return (String(path[..<dot]), String(path[path.index(after: dot)...]))
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
}
