import TensorKit

/// Inverted dropout, active only while the module is training (see ``Module/train(_:)``).
///
/// ```swift
/// let drop = Dropout(0.1)
/// drop.eval()          // now the identity
/// ```
public final class Dropout: Module, Layer {
    /// The probability of zeroing an element.
    public let probability: Double
    /// Where masks come from; the thread's default generator when nil.
    public var generator: Generator?

    /// Drops elements with probability `probability` (in `[0, 1]`).
    public init(_ probability: Double, generator: Generator? = nil) {
        precondition((0...1).contains(probability), "Dropout: probability must be in [0, 1], got \(probability)")
        self.probability = probability
        self.generator = generator
        super.init()
    }

    /// Drops elements of `x` while training; returns `x` itself in evaluation mode.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.dropout(x, probability: probability, training: isTraining, generator: generator)
    }
}
