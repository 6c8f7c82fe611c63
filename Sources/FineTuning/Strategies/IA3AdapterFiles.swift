import Foundation
import TensorKit

/// IA³ adapters in Hugging Face PEFT's layout: `<module>.ia3_l` vectors (`[out, 1]` on outputs,
/// `[1, in]` on feed-forward inputs) and the parameters of the modules saved with them, with
/// `peft_type` `"IA3"`.
extension IA3Adapter: PEFTAdapterFormat {
    static var peftType: String { "IA3" }

    static func peftContents(of layers: [(path: String, layer: any AdapterHost, adapter: IA3Adapter)], in model: Module,
                             hfModulePath: (String) -> String) throws -> (tensors: [String: Tensor], config: [String: Any]) {
        guard let first = layers.first?.adapter else { return ([:], [:]) }
        let prefix = Module.peftPrefix
        var tensors: [String: Tensor] = [:]
        for (path, _, adapter) in layers {
            let n = adapter.scaling.count
            tensors[prefix + hfModulePath(path) + ".ia3_l"] = adapter.scaling.contiguous().reshape(adapter.isFeedForward ? [1, n] : [n, 1])
        }
        for path in first.modulesToSave {
            guard let module = model.module(at: path) else { throw StrategyError.noMatch(pattern: path, what: "module to save") }
            for (name, tensor) in module.baseNamedParameters() {
                let (sub, leaf) = Module.splitParameterPath(path.isEmpty ? name : "\(path).\(name)")
                tensors[prefix + (sub.isEmpty ? leaf : hfModulePath(sub) + "." + leaf)] = tensor.contiguous()
            }
        }
        let json: [String: Any] = [
            "target_modules": layers.map { hfModulePath($0.path) },
            "feedforward_modules": layers.filter(\.adapter.isFeedForward).map { hfModulePath($0.path) },
            "modules_to_save": first.modulesToSave.isEmpty ? NSNull() : first.modulesToSave.map(hfModulePath) as Any,
            "init_ia3_weights": true,
        ]
        return (tensors, json)
    }

    static func loadPEFT(config json: [String: Any], configURL: URL, weightsURL: URL, into model: Module,
                         as name: String, hfModulePath: (String) -> String) throws -> PEFTAdapterConfig {
        let file = weightsURL.path
        let fields = AdapterConfigFields(json: json, url: configURL)
        let feedForwardNames = try fields.strings("feedforward_modules") ?? []
        let targetNames = try fields.strings("target_modules") ?? []
        let tensors = try SafeTensors.load(contentsOf: weightsURL)
        let (linears, modulesByHF, parameters) = model.hfLookup(hfModulePath)
        var built: [(any AdapterHost, IA3Adapter, Tensor)] = []
        var assignments: [(Tensor, Tensor)] = []
        var missing: [String] = []
        let modulesToSave = Module.ourModules(try fields.strings("modules_to_save") ?? [], modulesByHF)
        for (key, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
            guard key.hasPrefix(Module.peftPrefix) else {
                throw StrategyError.invalidAdapterFile(file: file, reason: "key '\(key)' does not start with '\(Module.peftPrefix)'")
            }
            let body = String(key.dropFirst(Module.peftPrefix.count))
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
            } else if let parameter = try Module.savedParameter(body, tensor, parameters: parameters, file: file) {
                assignments.append((parameter, tensor))
            } else {
                missing.append(Module.splitParameterPath(body).module)
            }
        }
        if !missing.isEmpty { throw StrategyError.adapterTargetsNotFound(file: file, modules: Array(Set(missing)).sorted()) }
        guard !built.isEmpty else { throw StrategyError.invalidAdapterFile(file: file, reason: "no ia3_l tensors") }
        withGradientsDisabled {
            for (_, adapter, vector) in built { adapter.scaling.assign(vector.reshape([-1]).cast(to: adapter.scaling.dtype)) }
            for (parameter, source) in assignments { parameter.assign(source.cast(to: parameter.dtype)) }
        }
        for (layer, adapter, _) in built { try layer.addAdapter(adapter, named: name) }
        return .ia3(targetModules: targetNames, feedForwardModules: feedForwardNames, modulesToSave: modulesToSave)
    }
}
