import Foundation
import Testing
import FineTuning

// FineTuning's checks go through TensorKit's package-wide precondition (Sources/TensorKit/Precondition.swift),
// which keeps the message in release builds: it prints "Fatal error: <message>", where Swift's
// would print "Precondition failed: <message>" in a debug build and nothing under -O.
@Suite struct FineTuningPreconditionMessageTests {
    @Test func preconditionIsTheModulesOwn() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Linear(4, 16)(Tensor.zeros([2, 3]))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("Fatal error: Linear: input shape [2, 3] does not end in 4 (weight [16, 4])"), "\(stderr)")
    }

    @Test func preconditionFailureIsTheModulesOwn() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var config = EncoderConfig(vocabularySize: 8, dim: 4, layers: 1, heads: 1, hidden: 8)
            config.pooler = false
            _ = Encoder(config).pooled(Tensor.zeros([1, 2, 4]))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("Fatal error: Encoder.pooled: the model was built without a pooler"), "\(stderr)")
    }
}
