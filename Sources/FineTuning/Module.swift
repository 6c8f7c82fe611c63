import TensorKit

/// The base class of every layer and model: a tree of parameters and sub-modules found by
/// reflection, so a user-defined module needs no registration code.
///
/// Stored properties of type `Tensor` are parameters; properties of type `Module` (or arrays,
/// optionals and string-keyed dictionaries of them) are children. Names are property paths, with
/// array elements by index: `layers.2.attention.query.weight`.
///
/// ```swift
/// final class MLP: Module {
///     var hidden = Linear(4, 16)
///     var output = Linear(16, 2)
///     func callAsFunction(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }
/// }
/// let model = MLP()
/// model.namedParameters().map(\.name)   // ["hidden.weight", "hidden.bias", "output.weight", "output.bias"]
/// ```
///
/// ## The tree cache
///
/// Reflection runs once per module, not on every walk: each module keeps the tree it read
/// (its members, and the flattened lists of ``namedModules()`` and ``namedParameters()``), and
/// every cache is read again after any module is created or destroyed. So the usual changes
/// are seen with nothing to call — assigning a new child (`model.head = Linear(384, 3)`),
/// appending one to an array of children, attaching a new adapter, and removing a child that
/// nothing else holds. Call ``invalidateTree()`` after the changes no creation or destruction
/// marks: putting a module or tensor that already existed into a module after the tree was
/// read (moving a layer, sharing a weight, `linear.bias = someTensor`), or removing a module that
/// is still held elsewhere. Debug builds compare every cached read with a fresh reflection and
/// stop, naming the module and the member, when such a call was missed; a parameter's values
/// (`assign(_:)`, optimizer steps) are not structure and need nothing.
open class Module {
    /// Whether the module is in training mode (dropout active). Set with ``train(_:)`` / ``eval()``.
    public private(set) var isTraining = true

    /// An empty module; subclasses declare parameters and children as stored properties.
    public init() { Module.structureDidChange() }

    deinit { Module.structureDidChange() }

    // MARK: - Tree

    /// The tree as last read by reflection (see "The tree cache" above; ModuleTree.swift).
    var treeCache: ModuleTreeCache?

    /// Drops every cached module tree, so the next walk reads the stored properties again.
    ///
    /// Needed only after a change the cache cannot see (see "The tree cache"): putting a module
    /// or tensor that already existed into a module after the tree was last read, or removing
    /// one that is still held elsewhere. An API that changes a module's structure (attaching or
    /// deleting an adapter, say) calls it after the change, so that its callers never need to.
    public final func invalidateTree() { Module.structureDidChange() }

    /// The direct parameters and children of this module, in declaration order.
    public final func directMembers() -> (parameters: [(name: String, tensor: Tensor)], children: [(name: String, module: Module)]) {
        let members = currentTree().members
        return (members.parameters, members.children.map { (name: $0.name, module: $0.module) })
    }

    /// Every sub-module (including this one, named `""`) with its path, depth first.
    public final func namedModules() -> [(name: String, module: Module)] {
        cachedModules().map { (name: $0.name, module: $0.module) }
    }

    /// Every parameter with its path. A tensor shared by two modules is listed once, under the
    /// first path that reaches it (as with tied embeddings).
    public final func namedParameters() -> [(name: String, tensor: Tensor)] { cachedParameters() }

    /// Every parameter.
    public final func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// The parameters that train (require grad): what an optimizer should get.
    public final func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

    /// Total and trainable element counts.
    public final func parameterCounts() -> (trainable: Int, total: Int) {
        let all = parameters()
        return (all.filter(\.requiresGrad).reduce(0) { $0 + $1.count }, all.reduce(0) { $0 + $1.count })
    }

    // MARK: - Freezing

    /// Stops every parameter of this module (and its children) from training.
    public final func freeze() { parameters().forEach { $0.requiresGrad = false } }

    /// Makes every floating-point parameter of this module (and its children) train.
    public final func unfreeze() { parameters().filter { $0.dtype.isFloatingPoint }.forEach { $0.requiresGrad = true } }

    /// Freezes the parameters whose path matches the glob `pattern` (`*` any run of characters,
    /// `?` one character), e.g. `"layers.0.*"` or `"*.bias"`. Returns how many matched.
    @discardableResult
    public final func freeze(matching pattern: String) -> Int { setTraining(pattern, false) }

    /// Unfreezes the parameters whose path matches the glob `pattern`. Returns how many matched.
    @discardableResult
    public final func unfreeze(matching pattern: String) -> Int { setTraining(pattern, true) }

    /// Freezes the parameters for which `predicate(path, tensor)` is true. Returns how many.
    @discardableResult
    public final func freeze(where predicate: (String, Tensor) -> Bool) -> Int {
        var count = 0
        for (name, tensor) in namedParameters() where predicate(name, tensor) {
            tensor.requiresGrad = false
            count += 1
        }
        return count
    }

    private func setTraining(_ pattern: String, _ flag: Bool) -> Int {
        var count = 0
        for (name, tensor) in namedParameters() where Glob.matches(name, pattern) {
            tensor.requiresGrad = flag && tensor.dtype.isFloatingPoint
            count += 1
        }
        return count
    }

    // MARK: - Modes

    /// Puts this module and its children into training (`true`) or evaluation mode.
    public final func train(_ on: Bool = true) {
        for (_, module) in namedModules() { module.isTraining = on }
    }

    /// Puts this module and its children into evaluation mode (dropout off).
    public final func eval() { train(false) }
}

@available(*, unavailable, message: "Modules hold tensors, which are not Sendable")
extension Module: Sendable {}

/// Glob matching for parameter paths: `*` matches any run (including dots), `?` one character.
enum Glob {
    static func matches(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text.utf8), p = Array(pattern.utf8)
        var ti = 0, pi = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == UInt8(ascii: "?") || p[pi] == t[ti]) {
                ti += 1; pi += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
