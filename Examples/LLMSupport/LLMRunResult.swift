import Foundation

/// What one LLM run measured; `result.json` of a run and one entry of `comparison.json`.
///
/// Keys are snake_case (`json_valid`, `category_accuracy`, ...); accuracies are fractions.
public struct LLMRunResult: Codable, Sendable {
    /// One point of the validation-loss curve.
    public struct CurvePoint: Codable, Sendable {
        /// The optimizer step.
        public var step: Int
        /// Mean loss on the validation examples' trained tokens.
        public var loss: Double
    }

    /// One test question with the model's answer.
    public struct Example: Codable, Sendable {
        /// The question.
        public var question: String
        /// The expected answer.
        public var expected: String
        /// What the model generated.
        public var output: String
    }

    /// The strategy.
    public var strategy: LLMStrategyKind
    /// The table's name for it.
    public var label: String
    /// Share of test answers that are JSON with exactly the two keys (fixed-JSON task).
    public var jsonValid: Double?
    /// Share with the right coarse class.
    public var categoryAccuracy: Double?
    /// Share with the right coarse and fine classes.
    public var subcategoryAccuracy: Double?
    /// Test questions answered (fixed-JSON task) or test examples scored.
    public var testCount: Int
    /// Mean loss on the test examples' trained tokens (generic data), when measured.
    public var testLoss: Double?
    /// Parameters that train.
    public var trainableParameters: Int
    /// Parameters of the model (quantized projections counted by elements).
    public var totalParameters: Int
    /// Bytes of optimizer state.
    public var optimizerStateBytes: Int
    /// The process's peak resident memory (VmHWM).
    public var peakRSSBytes: Int?
    /// Mean milliseconds per optimizer step (evaluation excluded).
    public var msPerStep: Double
    /// Optimizer steps taken.
    public var steps: Int
    /// Examples per step (accumulation included).
    public var examplesPerStep: Int
    /// The learning rate.
    public var learningRate: Double
    /// Seconds spent answering the test questions.
    public var testSeconds: Double
    /// Seconds for the whole run (loading, training, test).
    public var totalSeconds: Double
    /// Where the artifact is (adapter folder or weights file).
    public var artifactPath: String?
    /// Its size on disk.
    public var artifactBytes: Int
    /// Validation loss by step (step 0: before training).
    public var validationCurve: [CurvePoint]
    /// The first few test answers.
    public var examples: [Example]

    enum CodingKeys: String, CodingKey {
        case strategy, label, steps, examples
        case jsonValid = "json_valid", categoryAccuracy = "category_accuracy", subcategoryAccuracy = "subcategory_accuracy"
        case testCount = "test_count", testLoss = "test_loss"
        case trainableParameters = "trainable_parameters", totalParameters = "total_parameters"
        case optimizerStateBytes = "optimizer_state_bytes", peakRSSBytes = "peak_rss_bytes", msPerStep = "ms_per_step"
        case examplesPerStep = "examples_per_step", learningRate = "learning_rate", testSeconds = "test_seconds"
        case totalSeconds = "total_seconds", artifactPath = "artifact_path", artifactBytes = "artifact_bytes"
        case validationCurve = "validation_curve"
    }

    /// An encoder that writes results readably (NaN as a string, keys sorted).
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The matching decoder.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
