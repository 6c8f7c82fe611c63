import TensorKit

/// The row order of query and key projections in llama.cpp's GGUF files, and back.
///
/// llama.cpp rotates *adjacent* pairs of a head's vector (GPT-J style) while Hugging Face
/// LLaMA, and ``RotaryEmbedding``, rotate the two *halves* against each other. Its converter
/// (`LlamaModel.permute` in `convert_hf_to_gguf.py`) therefore reorders the rows of `q_proj`
/// and `k_proj` within each head so that both compute the same thing: with head size `d`,
/// GGUF row `2i` is Hugging Face row `i` and GGUF row `2i+1` is Hugging Face row `i + d/2`.
/// Loading undoes it (``huggingFaceOrder(_:heads:)``); exporting applies it
/// (``ggufOrder(_:heads:)``). Keys use the number of key/value heads.
///
/// Position 0 is an identity rotation, so a one-token prompt gives the same logits in either
/// order: only longer prompts tell a missing or doubled permutation apart.
///
/// ```swift
/// let q = GGUFQueryKeyPermutation.huggingFaceOrder(try gguf.tensor(named: "blk.0.attn_q.weight"), heads: 9)
/// let back = GGUFQueryKeyPermutation.ggufOrder(q, heads: 9)   // the file's rows again
/// ```
public enum GGUFQueryKeyPermutation {
    /// `weight` (rows `[heads·d, …]` in GGUF order) with its rows in Hugging Face order.
    public static func huggingFaceOrder(_ weight: Tensor, heads: Int) -> Tensor {
        let d = headSize(weight, heads: heads, op: "huggingFaceOrder")
        return weight.reshape([heads, d / 2, 2, -1]).transposed(1, 2).reshape(weight.shape)
    }

    /// `weight` (rows `[heads·d, …]` in Hugging Face order) with its rows in GGUF order; the
    /// inverse of ``huggingFaceOrder(_:heads:)``.
    public static func ggufOrder(_ weight: Tensor, heads: Int) -> Tensor {
        let d = headSize(weight, heads: heads, op: "ggufOrder")
        return weight.reshape([heads, 2, d / 2, -1]).transposed(1, 2).reshape(weight.shape)
    }

    /// For each Hugging Face row `r` of a `rows`-row projection, the GGUF row that holds it
    /// (for layers that reorder rows of quantized blocks rather than float tensors).
    public static func ggufRows(rows: Int, heads: Int) -> [Int] {
        precondition(heads > 0 && rows > 0 && rows % heads == 0 && (rows / heads) % 2 == 0,
                     "GGUFQueryKeyPermutation.ggufRows: \(rows) rows do not split into \(heads) heads of even size")
        let d = rows / heads, half = d / 2
        return (0..<rows).map { r in
            let (head, i) = r.quotientAndRemainder(dividingBy: d)
            return head * d + (i < half ? 2 * i : 2 * (i - half) + 1)
        }
    }

    private static func headSize(_ weight: Tensor, heads: Int, op: String) -> Int {
        let rows = weight.shape.first ?? 0
        precondition(heads > 0 && rows > 0 && rows % heads == 0 && (rows / heads) % 2 == 0,
                     "GGUFQueryKeyPermutation.\(op): \(weight.shape) rows do not split into \(heads) heads of even size")
        return rows / heads
    }
}
