extension Tensor {
    /// This tensor with each update added into its own block of the last axis: `updates[i]`
    /// (`[..., wᵢ]`) goes to columns `starts[i] ..< starts[i] + wᵢ`. The leading axes must
    /// match; blocks must not overlap.
    ///
    /// What a packed projection needs when some of its parts carry an additive adapter (LoRA on
    /// the query and value thirds of a fused query/key/value product): the backward passes the
    /// gradient through to this tensor as it is, and each update gets a strided view of it, so
    /// nothing is split, zero-filled or concatenated.
    ///
    /// ```swift
    /// let y = packed.addingBlocks([deltaQ, deltaV], at: [0, 2 * dim])   // packed [N, 3·dim]
    /// ```
    public func addingBlocks(_ updates: [Tensor], at starts: [Int]) -> Tensor {
        let op = "addingBlocks"
        precondition(rank >= 1 && updates.count == starts.count,
                     "\(op): needs one start per update, got \(updates.count) updates and \(starts.count) starts (shape \(shape))")
        let width = shape[rank - 1]
        var covered = [Bool](repeating: false, count: width)
        for (update, start) in zip(updates, starts) {
            let w = update.rank == rank ? update.shape[rank - 1] : -1
            precondition(update.dtype == dtype && w >= 0 && update.shape.dropLast() == shape.dropLast()
                         && start >= 0 && start + w <= width,
                         "\(op): update \(update.dtype) \(update.shape) at column \(start) does not fit in \(dtype) \(shape)")
            for column in start..<(start + w) {
                precondition(!covered[column], "\(op): blocks overlap at column \(column) (starts \(starts))")
                covered[column] = true
            }
        }
        let ranges = zip(updates, starts).map { $1..<($1 + $0.shape[rank - 1]) }
        let out = withGradientsDisabled { () -> Tensor in
            let sum = detach().contiguousCopy()
            for (update, range) in zip(updates, ranges) {
                let block = sum.slice(axis: rank - 1, range)
                block.assign(block + update.detach())
            }
            return sum
        }
        return Tensor.record(op, output: out, inputs: [self] + updates) { gradient in
            [gradient] + ranges.map { gradient.slice(axis: gradient.rank - 1, $0) }
        }
    }
}
