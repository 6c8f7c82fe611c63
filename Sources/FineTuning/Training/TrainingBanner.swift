import Foundation

/// The lines printed when a run starts, in the familiar Hugging Face form.
enum TrainingBanner {
    static func lines(examples: Int, epochs: Int?, batchSize: Int, accumulation: Int, totalSteps: Int,
                      counts: (trainable: Int, total: Int), resumedAt: Int?) -> [String] {
        var lines = ["***** Running training *****",
                     "  Num examples = \(grouped(examples))"]
        if let epochs { lines.append("  Num epochs = \(epochs)") }
        lines += ["  Batch size = \(batchSize)",
                  "  Gradient accumulation steps = \(accumulation)",
                  "  Effective batch size = \(batchSize * accumulation)",
                  "  Total optimization steps = \(grouped(totalSteps))",
                  "  \(ParameterSummary(trainable: counts.trainable, total: counts.total))"]
        if let resumedAt { lines.append("  Resuming from step \(resumedAt)") }
        return lines
    }

    static func grouped(_ value: Int) -> String { ParameterSummary.grouped(value) }
}
