/// Splits rows into a few blocks so kernels that also reduce across rows (weight gradients) can
/// keep one partial sum per block and add the blocks afterwards, without locks.
enum RowBlocks {
    /// How many blocks `rows` rows of `costPerRow` work each are worth splitting into.
    static func count(rows: Int, costPerRow: Int) -> Int {
        let work = rows * Swift.max(1, costPerRow)
        return Swift.max(1, Swift.min(Parallel.threadCount, Swift.min(rows, work / Parallel.threshold)))
    }

    /// Rows of block `block` out of `blocks`.
    @inline(__always)
    static func rows(_ block: Int, of blocks: Int, total: Int) -> Range<Int> {
        (total * block / blocks)..<(total * (block + 1) / blocks)
    }
}
