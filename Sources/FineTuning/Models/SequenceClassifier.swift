import TensorKit

/// How a sequence classifier reduces hidden states to one vector per sequence.
public enum Pooling: Sendable, Equatable {
    /// The `[CLS]` position, through BERT's pooler when the encoder has one.
    case cls
    /// The mean over real tokens (``meanPooling(_:mask:)``).
    case mean
}

/// An ``Encoder`` with a classification head: pooled → dropout → `Linear(dim, classes)`,
/// as Hugging Face's `BertForSequenceClassification` (names: `encoder.*`, `classifier.*`).
///
/// ```swift
/// let model = SequenceClassifier(encoderConfig, classes: 2)
/// let logits = model(ids, mask: attentionMask)          // [B, 2]
/// let loss = Tensor.crossEntropy(logits: logits, targets: labels)
/// ```
public final class SequenceClassifier: Module {
    /// The encoder body.
    public var encoder: Encoder
    /// Dropout on the pooled vector.
    public var dropout: Dropout
    /// `dim → classes`.
    public var classifier: Linear
    /// The pooling used.
    public let pooling: Pooling

    /// A classifier over `classes` labels on a new encoder built from `config`.
    public convenience init(_ config: EncoderConfig, classes: Int, pooling: Pooling = .cls, generator: Generator? = nil) {
        self.init(encoder: Encoder(config, generator: generator), classes: classes, pooling: pooling, generator: generator)
    }

    /// A classifier over `classes` labels on an existing (e.g. pretrained) encoder.
    public init(encoder: Encoder, classes: Int, pooling: Pooling = .cls, generator: Generator? = nil) {
        let c = encoder.config
        self.encoder = encoder
        self.pooling = pooling
        dropout = Dropout(c.dropout, generator: generator)
        classifier = Linear(c.dim, classes, dtype: c.dtype, generator: generator)
        super.init()
        if ParameterInitialization.isSkipped { return }
        withGradientsDisabled {
            classifier.weight.assign(Tensor.normal(classifier.weight.shape, std: c.initStd, dtype: c.dtype, generator: generator))
            classifier.bias!.assign(Tensor.zeros([classes], dtype: c.dtype))
        }
    }

    /// Class logits `[B, classes]` for ids `[B, L]` (mask and token types as in ``Encoder``).
    public func callAsFunction(_ ids: Tensor, tokenTypes: Tensor? = nil, mask: Tensor? = nil) -> Tensor {
        let hidden = encoder(ids, tokenTypes: tokenTypes, mask: mask)
        let pooled: Tensor
        switch pooling {
        case .cls: pooled = encoder.pooler == nil ? clsPooling(hidden) : encoder.pooled(hidden)
        case .mean: pooled = meanPooling(hidden, mask: mask)
        }
        return classifier(dropout(pooled))
    }
}
