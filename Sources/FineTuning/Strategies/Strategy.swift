import Foundation
import TensorKit

/// A way to fine-tune: a value that prepares a model (freezes, attaches adapters) and so decides
/// what trains.
///
/// ```swift
/// let summary = try LoRA(LoRAConfig(rank: 8, alpha: 16)).prepare(model)
/// print(summary)   // trainable params: 32,768 || all params: 3,356,160 || trainable%: 0.9764
/// let optimizer = AdamW(model: model, learningRate: 1e-3)   // follows what trains
/// ```
public protocol FineTuningStrategy {
    /// A short name for logs and comparisons ("full", "lora", ...).
    var name: String { get }
    /// Prepares `model` in place: sets which parameters train and attaches what the method needs.
    ///
    /// - Throws: ``StrategyError`` when a target names nothing in the model.
    func apply(to model: Module) throws
}

extension FineTuningStrategy {
    /// Applies the strategy and returns the resulting trainable/total parameter counts.
    @discardableResult
    public func prepare(_ model: Module) throws -> ParameterSummary {
        try apply(to: model)
        return model.parameterSummary()
    }
}

/// Trainable and total parameter counts, printed as Hugging Face PEFT's
/// `print_trainable_parameters` does:
/// `trainable params: 32,768 || all params: 3,356,160 || trainable%: 0.9764` (rounded, as PEFT does).
public struct ParameterSummary: Equatable, Sendable, CustomStringConvertible {
    /// Elements of the parameters that require grad.
    public var trainable: Int
    /// Elements of every parameter (adapters included).
    public var total: Int

    /// A summary of `trainable` out of `total` parameter elements.
    public init(trainable: Int, total: Int) {
        self.trainable = trainable
        self.total = total
    }

    /// `100 · trainable / total`.
    public var trainablePercent: Double { total == 0 ? 0 : 100 * Double(trainable) / Double(total) }

    public var description: String {
        "trainable params: \(Self.grouped(trainable)) || all params: \(Self.grouped(total)) || trainable%: "
            + String(format: "%.4f", trainablePercent)
    }

    /// `1234567` → `"1,234,567"` (locale-independent, as Python's `{:,}`).
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }
}

extension Module {
    /// Trainable and total parameter counts (see ``ParameterSummary``).
    public func parameterSummary() -> ParameterSummary {
        let counts = parameterCounts()
        return ParameterSummary(trainable: counts.trainable, total: counts.total)
    }

    /// The sub-module at `path` (`""` is this module).
    public func module(at path: String) -> Module? {
        namedModules().first { $0.name == path }?.module
    }

    /// Unfreezes every listed module path; throws for a path that names no module.
    func unfreezeModules(_ paths: [String]) throws(StrategyError) {
        let modules = namedModules()
        for path in paths {
            let found = modules.filter { $0.name == path || Glob.matches($0.name, path) }
            guard !found.isEmpty else { throw .noMatch(pattern: path, what: "module") }
            found.forEach { $0.module.unfreeze() }
        }
    }
}

/// Full fine-tuning: every floating-point parameter trains.
public struct FullFineTuning: FineTuningStrategy {
    public var name: String { "full" }
    /// Full fine-tuning (it has no settings).
    public init() {}
    public func apply(to model: Module) throws { model.unfreeze() }
}
