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
                  "  " + parameterSummary(trainable: counts.trainable, total: counts.total)]
        if let resumedAt { lines.append("  Resuming from step \(resumedAt)") }
        return lines
    }

    /// `trainable params: 32,768 || all params: 3,356,160 || trainable%: 0.9763` (PEFT's
    /// `print_trainable_parameters`). The percentage is cut, not rounded, to 4 decimals, as in
    /// the form the design document gives (32,768 of 3,356,160 is 0.97635…%, shown 0.9763).
    static func parameterSummary(trainable: Int, total: Int) -> String {
        let exact = total == 0 ? 0 : 100 * Double(trainable) / Double(total)
        let percent = (exact * 10_000).rounded(.down) / 10_000
        return "trainable params: \(grouped(trainable)) || all params: \(grouped(total)) || trainable%: \(String(format: "%.4f", percent))"
    }

    /// `1234567` → `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return value < 0 ? "-" + out : out
    }
}
