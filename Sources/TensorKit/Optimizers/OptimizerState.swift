import Foundation

/// The state an optimizer keeps for one parameter: how many updates it has had and its named
/// buffers (moments, momentum), each with the parameter's shape and dtype.
public final class ParameterState {
    /// Number of updates applied to the parameter, counting the one in progress during `update`.
    public var step: Int
    /// Buffers by name, using PyTorch's names (`exp_avg`, `exp_avg_sq`, `momentum_buffer`, ...).
    public var buffers: [String: Tensor]

    /// State after `step` updates with `buffers`.
    public init(step: Int = 0, buffers: [String: Tensor] = [:]) {
        self.step = step
        self.buffers = buffers
    }

    /// The buffer called `name`; stops if the optimizer never created it.
    public subscript(name: String) -> Tensor {
        guard let buffer = buffers[name] else { preconditionFailure("optimizer state: no buffer '\(name)'") }
        return buffer
    }

    /// Bytes held by the buffers.
    public var byteCount: Int { buffers.values.reduce(0) { $0 + $1.count * $1.dtype.byteSize } }
}

/// An optimizer's saved state: tensors by name (`state.<parameterIndex>.<buffer>`, parameters
/// numbered across groups in order) and a small Codable struct of scalars.
///
/// The tensors are the optimizer's live buffers, not copies: write them out before the next
/// ``Optimizer/step()``. ``Optimizer/load(stateDict:)`` copies what it loads.
///
/// ```swift
/// let saved = optimizer.stateDict()
/// let json = try saved.scalarsJSON()          // write beside the tensors
/// let restored = try OptimizerStateDict(tensors: saved.tensors, scalarsJSON: json)
/// try freshOptimizer.load(stateDict: restored)
/// ```
public struct OptimizerStateDict {
    /// State tensors by name.
    public var tensors: [String: Tensor]
    /// Step counts and per-group hyperparameters.
    public var scalars: OptimizerStateScalars

    /// A state dict from its two halves.
    public init(tensors: [String: Tensor], scalars: OptimizerStateScalars) {
        self.tensors = tensors
        self.scalars = scalars
    }

    /// A state dict whose scalars are decoded from JSON written by ``scalarsJSON()``.
    public init(tensors: [String: Tensor], scalarsJSON: Data) throws {
        self.tensors = tensors
        self.scalars = try JSONDecoder().decode(OptimizerStateScalars.self, from: scalarsJSON)
    }

    /// The scalars as JSON (keys sorted, so equal states give equal bytes).
    public func scalarsJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(scalars)
    }

    /// The name of buffer `buffer` of parameter number `parameterIndex`.
    public static func key(parameterIndex: Int, buffer: String) -> String {
        "state.\(parameterIndex).\(buffer)"
    }
}

/// The scalar half of an ``OptimizerStateDict``.
public struct OptimizerStateScalars: Codable, Sendable, Equatable {
    /// One parameter group: which parameters it holds and its hyperparameters.
    public struct Group: Codable, Sendable, Equatable {
        /// Indices (across all groups) of the group's parameters.
        public var parameterIndices: [Int]
        /// Hyperparameters by name (flags as 0 or 1).
        public var hyperparameters: [String: Double]

        /// A group record holding `parameterIndices` with `hyperparameters`.
        public init(parameterIndices: [Int], hyperparameters: [String: Double]) {
            self.parameterIndices = parameterIndices
            self.hyperparameters = hyperparameters
        }
    }

    /// The optimizer's type name (`"AdamW"`); loading into another type fails.
    public var optimizer: String
    /// Parameter groups in order.
    public var groups: [Group]
    /// Updates applied to each parameter (by index); nil for parameters without state.
    public var steps: [Int?]
    /// Names of the buffers each parameter with state has.
    public var buffers: [[String]?]

    /// Scalars for an optimizer called `optimizer`.
    public init(optimizer: String, groups: [Group], steps: [Int?], buffers: [[String]?]) {
        self.optimizer = optimizer
        self.groups = groups
        self.steps = steps
        self.buffers = buffers
    }
}

/// Why an optimizer state could not be loaded.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// The state was saved by another kind of optimizer.
    case optimizerMismatch(expected: String, found: String)
    /// The group layout (number of groups or parameters per group) differs.
    case groupMismatch(String)
    /// A hyperparameter is missing from a group.
    case missingHyperparameter(String)
    /// A hyperparameter has a value the optimizer does not accept.
    case invalidHyperparameter(String, Double)
    /// A state tensor named by the scalars is absent.
    case missingTensor(String)
    /// A state tensor does not match its parameter's shape or dtype.
    case tensorMismatch(key: String, expected: String, found: String)

    /// What was wrong, for logs and error messages.
    public var description: String {
        switch self {
        case let .optimizerMismatch(expected, found):
            return "optimizer state: saved by \(found), cannot load into \(expected)"
        case let .groupMismatch(detail): return "optimizer state: parameter groups differ: \(detail)"
        case let .missingHyperparameter(name): return "optimizer state: hyperparameter '\(name)' missing"
        case let .invalidHyperparameter(name, value): return "optimizer state: hyperparameter '\(name)' has invalid value \(value)"
        case let .missingTensor(key): return "optimizer state: tensor '\(key)' missing"
        case let .tensorMismatch(key, expected, found):
            return "optimizer state: tensor '\(key)' is \(found), parameter needs \(expected)"
        }
    }
}
