/// FineTuning builds transformer models, fine-tuning strategies and the trainer on ``TensorKit``,
/// and reads text with ``Tokenizers``.
///
/// Importing FineTuning also imports TensorKit and Tokenizers, so models, tensors and tokenizers
/// come from one import.
@_exported import TensorKit
@_exported import Tokenizers
