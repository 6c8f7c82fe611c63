import TensorKit

/// A random-access collection of training examples, like `torch.utils.data.Dataset`.
///
/// ```swift
/// let data = ArrayDataset([TextClassificationExample(text: "good", label: 1)])
/// data.example(at: 0).label   // 1
/// ```
public protocol Dataset<Example> {
    /// The type of one example.
    associatedtype Example
    /// The number of examples.
    var count: Int { get }
    /// The example at `index` (`0..<count`).
    func example(at index: Int) -> Example
}

/// A dataset held in an array.
public struct ArrayDataset<Example>: Dataset {
    /// The examples in order.
    public var examples: [Example]

    /// A dataset of `examples`.
    public init(_ examples: [Example]) { self.examples = examples }

    public var count: Int { examples.count }

    public func example(at index: Int) -> Example { examples[index] }
}

/// A view of some examples of another dataset, by index (what a split returns).
public struct DatasetSubset<Base: Dataset>: Dataset {
    /// The dataset viewed.
    public let base: Base
    /// The base indices in this subset, in order.
    public let indices: [Int]

    /// The examples of `base` at `indices`.
    public init(_ base: Base, indices: [Int]) {
        precondition(indices.allSatisfy { (0..<base.count).contains($0) },
                     "DatasetSubset: an index is outside 0..<\(base.count)")
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }

    public func example(at index: Int) -> Base.Example { base.example(at: indices[index]) }
}

/// A text with a class label (sentiment, topic, ...).
public struct TextClassificationExample: Sendable, Equatable {
    /// The text.
    public var text: String
    /// The class index.
    public var label: Int

    /// An example of class `label`.
    public init(text: String, label: Int) {
        self.text = text
        self.label = label
    }
}

/// A text for causal language modelling (predict each next token).
public struct LanguageModelingExample: Sendable, Equatable {
    /// The text.
    public var text: String

    /// An example of `text`.
    public init(text: String) { self.text = text }
}
