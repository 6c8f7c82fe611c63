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
