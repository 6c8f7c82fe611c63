import Testing
@testable import FineTuning
@Test func fineTuningReexportsTensorKit() { #expect(Tensor.zeros([2]).count == 2) }
