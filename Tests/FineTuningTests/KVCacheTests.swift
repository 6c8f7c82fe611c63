import Testing
import FineTuning

/// The cache's buffers: appends write in place, growth keeps what was cached, reset reuses them.
@Suite struct KVCacheTests {
    /// `[1, 2, length, 3]` float64 values that differ at every position.
    private func positions(_ range: Range<Int>, offset: Double) -> Tensor {
        let values = range.flatMap { p in (0..<2).flatMap { h in (0..<3).map { Double(1000 * p + 10 * h + $0) + offset } } }
        // Built [L, H, D], viewed [1, H, L, D] as attention does (a permuted, non-contiguous view).
        return Tensor(values, shape: [1, range.count, 2, 3]).permute(0, 2, 1, 3)
    }

    @Test func appendsPastTheFirstCapacityKeepEveryPosition() {
        let cache = AttentionCache()
        #expect(cache.key == nil && cache.length == 0)
        // A prefill of 200, then single positions well past the first buffer's 256.
        var pieces = [0..<200]
        pieces += (200..<300).map { $0..<($0 + 1) }
        for range in pieces {
            let (k, v) = cache.append(key: positions(range, offset: 0), value: positions(range, offset: 0.5))
            #expect(k.shape == [1, 2, range.upperBound, 3] && v.shape == k.shape)
        }
        #expect(cache.length == 300)
        #expect(cache.key!.scalars(as: Double.self) == positions(0..<300, offset: 0).scalars(as: Double.self))
        #expect(cache.value!.scalars(as: Double.self) == positions(0..<300, offset: 0.5).scalars(as: Double.self))

        cache.reset()
        #expect(cache.length == 0 && cache.key == nil)
        let (k, _) = cache.append(key: positions(5..<9, offset: 0), value: positions(5..<9, offset: 0.5))
        #expect(k.scalars(as: Double.self) == positions(5..<9, offset: 0).scalars(as: Double.self))
    }

    @Test func decodingWithTheCacheMatchesFullSequences() {
        var config = GPTConfig(vocabularySize: 50, maxPositions: 512, dim: 16, layers: 2, heads: 4, kvHeads: 2)
        config.positions = .rotary(base: 10_000)
        let model = GPT(config, generator: Generator(seed: 5))
        // 260 positions: the cache's buffers grow once on the way.
        let prompt = (0..<250).map { ($0 * 7) % 50 }
        let cached = model.generate(prompt, maxNewTokens: 10)
        #expect(cached == model.generate(prompt, maxNewTokens: 10, useCache: false))
    }
}
