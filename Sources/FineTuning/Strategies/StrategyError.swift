/// What went wrong preparing a model with a strategy, or reading/writing an adapter.
public enum StrategyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A target pattern (module name, glob or path) matched nothing in the model.
    case noMatch(pattern: String, what: String)
    /// An adapter with this name is already attached.
    case adapterExists(String)
    /// No adapter with this name is attached.
    case unknownAdapter(String)
    /// A LoRA initialisation (SVD, QR) failed or does not fit the layer.
    case initializationFailed(module: String, reason: String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// An adapter file names modules that the model does not have (or that are not Linear).
    case adapterTargetsNotFound(file: String, modules: [String])
    /// An adapter file is malformed: which file and what is wrong.
    case invalidAdapterFile(file: String, reason: String)

    public var description: String {
        switch self {
        case .noMatch(let pattern, let what): "'\(pattern)' matches no \(what) in the model"
        case .adapterExists(let name): "an adapter named '\(name)' is already attached"
        case .unknownAdapter(let name): "no adapter named '\(name)' is attached"
        case .initializationFailed(let module, let reason): "adapter initialisation of '\(module)' failed: \(reason)"
        case .invalidConfiguration(let reason): "invalid configuration: \(reason)"
        case .adapterTargetsNotFound(let file, let modules):
            "\(file): the model has no Linear module for \(modules.joined(separator: ", "))"
        case .invalidAdapterFile(let file, let reason): "\(file): \(reason)"
        }
    }
}
