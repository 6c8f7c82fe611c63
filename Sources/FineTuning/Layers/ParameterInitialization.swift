import TensorKit

/// Whether layers draw random initial weights when they are created.
///
/// Loading pretrained weights overwrites every parameter, so drawing random numbers for 22 M
/// parameters first is wasted time (seconds in release builds, much more in debug). Inside
/// ``withoutRandomInitialization(_:)`` layers start at zero instead; the pretrained loaders use
/// it and then load every parameter strictly, so no zero survives.
public enum ParameterInitialization {
    @TaskLocal static var skipsRandom = false

    /// Whether layers created now start at zero instead of random values.
    public static var isSkipped: Bool { skipsRandom }
}

/// Creates layers and models inside `body` with zero-filled parameters instead of random ones,
/// for when every parameter is about to be loaded from a file.
///
/// ```swift
/// let encoder = withoutRandomInitialization { Encoder(config) }
/// try encoder.load(contentsOf: weightsURL)
/// ```
public func withoutRandomInitialization<R>(_ body: () throws -> R) rethrows -> R {
    try ParameterInitialization.$skipsRandom.withValue(true, operation: body)
}
