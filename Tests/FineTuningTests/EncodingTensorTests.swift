import Testing
@testable import FineTuning

/// The tensor accessors FineTuning adds to the tokenizers' encodings.
@Suite struct EncodingTensorTests {
    let bytes = ByteTokenizer(addBOS: true, addEOS: true)

    @Test func tensorsAreInt64() {
        let batch = bytes.encodeBatch(["ab", "abcd"])
        let ids = batch.idsTensor()
        #expect(ids.dtype == .int64 && ids.shape == [2, 6])
        #expect(ids.scalars(as: Int64.self) == [256, 97, 98, 257, 258, 258, 256, 97, 98, 99, 100, 257])
        #expect(batch.attentionMaskTensor().scalars(as: Int64.self) == [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1])
        #expect(batch.tokenTypeIDsTensor() == nil)
        let single = bytes.encoding(of: "a")
        #expect(single.idsTensor().shape == [3] && single.idsTensor().dtype == .int64)
        #expect(single.attentionMaskTensor().scalars(as: Int64.self) == [1, 1, 1])
    }

    @Test func raggedBatchHasNoTensor() async {
        await #expect(processExitsWith: .failure) {
            _ = ByteTokenizer().encodeBatch(["a", "abc"], padding: .none).idsTensor()
        }
    }
}
