/// FineTuning builds transformer models and fine-tuning strategies on ``TensorKit``.
///
/// Importing FineTuning also imports TensorKit, so models and tensors come from one import.
@_exported import TensorKit
