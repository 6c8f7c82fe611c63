/// Whether ops record graph nodes. Task-local, so one task's no-grad scope never leaks into
/// another's (outside any task it behaves as a thread-local).
public enum GradMode {
    @TaskLocal static var enabledValue = true

    /// Whether ops currently record the graph.
    public static var isEnabled: Bool { enabledValue }
}

/// Runs `body` with gradient recording switched off: ops inside record no graph, as in
/// PyTorch's `torch.no_grad()`. Use it for inference and for in-place parameter updates.
public func withGradientsDisabled<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$enabledValue.withValue(false, operation: body)
}

/// Runs `body` with gradient recording switched on (inside an outer no-grad scope).
public func withGradientsEnabled<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$enabledValue.withValue(true, operation: body)
}
