extension LoRAConfig {
    /// The indices of the top `count` blocks of `model`, for ``layersToTransform``: what mlx-lm's
    /// `--num-layers` adapts. A negative `count`, or one beyond the block count, gives every block
    /// (mlx-lm's `-1`); zero gives none.
    ///
    /// ```swift
    /// config.layersToTransform = LoRAConfig.topLayers(8, of: model)   // [22, 23, ..., 29] for SmolLM2
    /// ```
    public static func topLayers(_ count: Int, of model: GPT) -> [Int] {
        let blocks = model.layers.count
        guard count >= 0 else { return Array(0..<blocks) }
        return Array(max(0, blocks - count)..<blocks)
    }
}
