/// Parameters that train (they require grad and have a gradient) but belong to no group of the
/// optimizer, so its steps would silently never update them — typically because the optimizer
/// was built before an adapter was activated or a layer unfrozen.
public struct UntrackedParametersError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parameters' names, in the order they were given.
    public let names: [String]

    /// An error naming `names`.
    public init(names: [String]) { self.names = names }

    public var description: String {
        let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
        return "\(names.count) parameter(s) with gradients are in no optimizer group and would never update (\(shown)); "
            + "build the optimizer after choosing what trains, or build it from the model so it follows the trainable parameters"
    }
}

extension Optimizer {
    /// Checks that every one of `candidates` that requires grad and has a gradient is among this
    /// optimizer's ``parameters``: call it between `backward()` and ``step()`` with a model's
    /// named parameters.
    ///
    /// - Throws: ``UntrackedParametersError`` naming those that are not.
    public func checkTracks(_ candidates: [(name: String, tensor: Tensor)]) throws(UntrackedParametersError) {
        let training = candidates.filter { $0.tensor.requiresGrad && $0.tensor.grad != nil }
        guard !training.isEmpty else { return }
        let tracked = Set(parameters.map(ObjectIdentifier.init))
        let missing = training.filter { !tracked.contains(ObjectIdentifier($0.tensor)) }.map(\.name)
        guard missing.isEmpty else { throw UntrackedParametersError(names: missing) }
    }
}
