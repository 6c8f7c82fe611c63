import Foundation
import TensorKit

/// An adapter kind with a Hugging Face PEFT folder format: the tensors and `adapter_config.json`
/// fields it writes, and how it reads them back.
///
/// ``Module/saveAdapter(_:to:baseModel:taskType:hfModulePath:shortTargetNames:)`` asks the saved adapter's kind
/// for its contents; ``Module/loadAdapter(from:as:hfModulePath:)`` picks the kind whose
/// ``peftType`` the file names from ``Module/peftAdapterKinds``. Neither knows the kinds.
protocol PEFTAdapterFormat: LinearAdapter {
    /// PEFT's `peft_type` (`"LORA"`, `"IA3"`), upper-case; files are matched case-insensitively.
    static var peftType: String { get }

    /// The tensors (by full PEFT key) and this kind's `adapter_config.json` fields for one
    /// adapter carried by `layers` (in model order, none merged). The shared fields (`peft_type`,
    /// `task_type`, `base_model_name_or_path`, `fan_in_fan_out`, `inference_mode`) are added by
    /// the caller.
    static func peftContents(of layers: [(path: String, layer: any AdapterHost, adapter: Self)], in model: Module,
                             hfModulePath: (String) -> String) throws -> (tensors: [String: Tensor], config: [String: Any])

    /// Reads a folder of this kind into `model` as adapter `name`, attached but not yet active.
    /// Nothing changes when it throws (malformed file, modules the model lacks).
    static func loadPEFT(config json: [String: Any], configURL: URL, weightsURL: URL, into model: Module,
                         as name: String, hfModulePath: (String) -> String) throws -> PEFTAdapterConfig
}

extension Module {
    /// The adapter kinds ``loadAdapter(from:as:hfModulePath:)`` can read, by `peft_type`.
    static var peftAdapterKinds: [any PEFTAdapterFormat.Type] { [LoRAAdapter.self, IA3Adapter.self] }

    /// The contents of adapter `name`, asked of its kind (every layer must carry the same kind).
    func peftContents<Kind: PEFTAdapterFormat>(_ kind: Kind.Type, name: String,
                                               layers: [(path: String, layer: any AdapterHost, adapter: LinearAdapter)],
                                               hfModulePath: (String) -> String) throws -> (tensors: [String: Tensor], config: [String: Any]) {
        let typed = try layers.map { entry throws(StrategyError) -> (path: String, layer: any AdapterHost, adapter: Kind) in
            guard let adapter = entry.adapter as? Kind else {
                throw .invalidConfiguration("adapter '\(name)' is \(Kind.self) on some layers and \(type(of: entry.adapter)) on \(entry.path)")
            }
            return (entry.path, entry.layer, adapter)
        }
        return try Kind.peftContents(of: typed, in: self, hfModulePath: hfModulePath)
    }

    /// Reads a folder of kind `Kind` into this model as adapter `name` (attached, not active).
    func loadPEFT<Kind: PEFTAdapterFormat>(_ kind: Kind.Type, config json: [String: Any], configURL: URL, weightsURL: URL,
                                           as name: String, hfModulePath: (String) -> String) throws -> PEFTAdapterConfig {
        try Kind.loadPEFT(config: json, configURL: configURL, weightsURL: weightsURL, into: self, as: name,
                          hfModulePath: hfModulePath)
    }
}
