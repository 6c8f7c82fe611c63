import Synchronization
import TensorKit

/// What reflection finds in one module: its own parameters and children, in declaration order.
struct ModuleMembers {
    /// A child, held without ownership: the cache must not keep a removed module alive, since the
    /// removal is detected by the module's `deinit` (see ``Module/treeGeneration``).
    struct Child {
        let name: String
        unowned let module: Module
    }

    var parameters: [(name: String, tensor: Tensor)] = []
    var children: [Child] = []

    /// Reads the stored properties of `module`, superclass properties first (they are declared first).
    init(reflecting module: Module) {
        var mirror: Mirror? = Mirror(reflecting: module)
        var levels: [Mirror] = []
        while let current = mirror {
            levels.append(current)
            mirror = current.superclassMirror
        }
        for level in levels.reversed() {
            for child in level.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("$__lazy_storage_$_") { label.removeFirst("$__lazy_storage_$_".count) }
                if label.hasPrefix("_") { label.removeFirst() }
                collect(child.value, name: label)
            }
        }
    }

    private mutating func collect(_ value: Any, name: String) {
        switch value {
        case let tensor as Tensor: parameters.append((name, tensor))
        case let module as Module: children.append(Child(name: name, module: module))
        case let modules as [Module]:
            for (i, module) in modules.enumerated() { children.append(Child(name: "\(name).\(i)", module: module)) }
        case let tensors as [Tensor]:
            for (i, tensor) in tensors.enumerated() { parameters.append(("\(name).\(i)", tensor)) }
        case let modules as [String: Module]:
            for (key, module) in modules.sorted(by: { $0.key < $1.key }) {
                children.append(Child(name: "\(name).\(key)", module: module))
            }
        default:
            // Optionals: reflect the wrapped value, if any.
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional, let wrapped = mirror.children.first { collect(wrapped.value, name: name) }
        }
    }

    /// The first difference from `other` (names or identities), described; nil when they agree.
    func difference(from other: ModuleMembers) -> String? {
        let names = parameters.map(\.name), otherNames = other.parameters.map(\.name)
        if names != otherNames { return "parameters \(otherNames), cached \(names)" }
        for (mine, theirs) in zip(parameters, other.parameters) where mine.tensor !== theirs.tensor {
            return "parameter '\(mine.name)' is another tensor"
        }
        let childNames = children.map(\.name), otherChildNames = other.children.map(\.name)
        if childNames != otherChildNames { return "children \(otherChildNames), cached \(childNames)" }
        for (mine, theirs) in zip(children, other.children) where mine.module !== theirs.module {
            return "child '\(mine.name)' is another module"
        }
        return nil
    }
}

/// A module's tree as last read: its members, and the flattened module and parameter lists once a
/// walk asked for them. Valid while ``Module/treeGeneration`` still has the value it was read at.
struct ModuleTreeCache {
    let generation: Int
    let members: ModuleMembers
    var modules: [ModuleMembers.Child]?
    var parameters: [(name: String, tensor: Tensor)]?
}

extension Module {
    /// Moves on whenever a module is created or destroyed, or ``invalidateTree()`` is called; a
    /// cached tree read at an older value is read again. Creation covers assigning, appending or
    /// attaching a new module; destruction covers removing one that nothing else holds.
    static let treeGeneration = Atomic<Int>(0)

    /// Notes that some module's structure changed, so every cached tree is read again.
    static func structureDidChange() { treeGeneration.add(1, ordering: .relaxed) }

    /// This module's tree cache, read again by reflection when stale.
    func currentTree() -> ModuleTreeCache {
        let generation = Module.treeGeneration.load(ordering: .relaxed)
        if let cache = treeCache, cache.generation == generation {
            assert(cachedTreeMatchesReflection(cache))
            return cache
        }
        let cache = ModuleTreeCache(generation: generation, members: ModuleMembers(reflecting: self))
        treeCache = cache
        return cache
    }

    /// The flattened module list (this module first, named `""`), depth first.
    func cachedModules() -> [ModuleMembers.Child] {
        let tree = currentTree()
        if let modules = tree.modules { return modules }
        var result = [ModuleMembers.Child(name: "", module: self)]
        for child in tree.members.children {
            for entry in child.module.cachedModules() {
                result.append(.init(name: entry.name.isEmpty ? child.name : "\(child.name).\(entry.name)", module: entry.module))
            }
        }
        treeCache?.modules = result
        return result
    }

    /// The flattened parameter list; a tensor reached twice is listed under its first path.
    func cachedParameters() -> [(name: String, tensor: Tensor)] {
        if let parameters = currentTree().parameters { return parameters }
        var seen = Set<ObjectIdentifier>()
        var result: [(name: String, tensor: Tensor)] = []
        for entry in cachedModules() {
            for parameter in entry.module.currentTree().members.parameters
            where seen.insert(ObjectIdentifier(parameter.tensor)).inserted {
                result.append((entry.name.isEmpty ? parameter.name : "\(entry.name).\(parameter.name)", parameter.tensor))
            }
        }
        treeCache?.parameters = result
        return result
    }

    /// Debug builds check every cached read against a fresh reflection of each module it covers,
    /// so a change the cache could not see stops at once with the module and member named,
    /// instead of silently training or saving the old tree.
    private func cachedTreeMatchesReflection(_ cache: ModuleTreeCache) -> Bool {
        let covered = cache.modules?.map(\.module) ?? [self]
        for module in covered {
            guard let members = module === self ? cache.members : module.treeCache?.members,
                  let difference = members.difference(from: ModuleMembers(reflecting: module)) else { continue }
            preconditionFailure("""
                Module tree of \(type(of: module)) changed without notice: \(difference). After moving a module or \
                tensor that already existed into a module, or removing one that is still held elsewhere, call \
                invalidateTree() (see Module's documentation).
                """)
        }
        return true
    }
}
