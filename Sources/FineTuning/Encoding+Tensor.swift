import TensorKit
import Tokenizers

// The tokenizers know nothing of tensors; these accessors turn their integer rows into the
// int64 tensors that models take.

extension Encoding {
    /// The ids as an int64 tensor of shape `[count]`.
    ///
    /// ```swift
    /// let ids = tokenizer.encoding(of: "Hello world", maxLength: 8, padding: .toLength(8)).idsTensor()   // [8]
    /// ```
    public func idsTensor() -> Tensor { Tensor(ids.map(Int64.init), shape: [ids.count]) }
    /// The attention mask as an int64 tensor of shape `[count]`.
    public func attentionMaskTensor() -> Tensor { Tensor(attentionMask.map(Int64.init), shape: [count]) }
    /// The token type ids as an int64 tensor of shape `[count]`, if the tokenizer makes them.
    public func tokenTypeIDsTensor() -> Tensor? {
        tokenTypeIDs.map { Tensor($0.map(Int64.init), shape: [$0.count]) }
    }
}

extension BatchEncoding {
    /// The ids as an int64 tensor of shape `[batch, length]`.
    public func idsTensor() -> Tensor { Self.matrix(ids, name: "idsTensor") }
    /// The attention mask as an int64 tensor of shape `[batch, length]`.
    public func attentionMaskTensor() -> Tensor { Self.matrix(attentionMask, name: "attentionMaskTensor") }
    /// The token type ids as an int64 tensor of shape `[batch, length]`, if the tokenizer makes them.
    public func tokenTypeIDsTensor() -> Tensor? { tokenTypeIDs.map { Self.matrix($0, name: "tokenTypeIDsTensor") } }

    private static func matrix(_ rows: [[Int]], name: String) -> Tensor {
        let length = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == length },
                     "BatchEncoding.\(name): rows have lengths \(rows.map(\.count)); encode with padding to make a tensor")
        var flat: [Int64] = []
        flat.reserveCapacity(rows.count * length)
        for row in rows { for id in row { flat.append(Int64(id)) } }
        return Tensor(flat, shape: [rows.count, length])
    }
}
