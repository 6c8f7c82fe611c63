import Foundation
import Testing
@testable import TensorKit

/// The torch reference runs in Tests/Fixtures/optimizers.json.
nonisolated(unsafe) private let fixture: [String: Any] = {
    let data = try! Data(contentsOf: fixtureURL("optimizers.json"))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}()

private func doubles(_ value: Any?) -> [Double] { (value as! [NSNumber]).map(\.doubleValue) }
private func nested(_ value: Any?) -> [[Double]] { (value as! [Any]).map(doubles) }

/// The fixture's quadratic problem: parameters p, curvature a and centre c; g = a * (p - c).
private struct Problem {
    let parameters: [Tensor]
    let a: [Tensor]
    let c: [Tensor]

    init(dtype: DType, initial: [[Double]]? = nil) {
        let shapes = (fixture["shapes"] as! [[Int]])
        func make(_ values: [[Double]]) -> [Tensor] {
            zip(values, shapes).map { Tensor($0.0, shape: $0.1).cast(to: dtype) }
        }
        parameters = make(initial ?? nested(fixture["initial"])).map { $0.requiringGrad() }
        a = make(nested(fixture["a"]))
        c = make(nested(fixture["c"]))
    }

    func setGradients() {
        withGradientsDisabled {
            for (p, (a, c)) in zip(parameters, zip(a, c)) { p.grad = a * (p.detach() - c) }
        }
    }

    var values: [[Double]] { parameters.map { $0.scalars(as: Double.self) } }
    var bits: [[UInt64]] { parameters.map { $0.scalars(as: Double.self).map(\.bitPattern) } }
}

private func number(_ group: [String: Any], _ key: String, _ fallback: Double) -> Double {
    (group[key] as? NSNumber)?.doubleValue ?? fallback
}
private func flag(_ group: [String: Any], _ key: String) -> Bool { (group[key] as? NSNumber)?.boolValue ?? false }

/// Builds the optimizer a fixture entry describes, one group per options entry (a single entry
/// covers every parameter).
private func makeOptimizer(_ kind: String, _ groups: [[String: Any]], _ parameters: [Tensor]) -> any Optimizer {
    let split: [[Tensor]] = groups.count == 1 ? [parameters] : parameters.map { [$0] }
    switch kind {
    case "SGD":
        return SGD(groups: zip(split, groups).map { ParameterGroup(parameters: $0.0, options: SGDOptions(
            learningRate: number($0.1, "lr", 1e-3), momentum: number($0.1, "momentum", 0),
            dampening: number($0.1, "dampening", 0), nesterov: flag($0.1, "nesterov"),
            weightDecay: number($0.1, "weight_decay", 0))) })
    case "Adam", "AdamW":
        let groups = zip(split, groups).map { ParameterGroup(parameters: $0.0, options: AdamOptions(
            learningRate: number($0.1, "lr", 1e-3), beta1: number($0.1, "beta1", 0.9), beta2: number($0.1, "beta2", 0.999),
            epsilon: number($0.1, "eps", 1e-8), weightDecay: number($0.1, "weight_decay", kind == "AdamW" ? 0.01 : 0),
            amsgrad: flag($0.1, "amsgrad"))) }
        return kind == "Adam" ? Adam(groups: groups) : AdamW(groups: groups)
    case "RMSprop":
        return RMSprop(groups: zip(split, groups).map { ParameterGroup(parameters: $0.0, options: RMSpropOptions(
            learningRate: number($0.1, "lr", 1e-2), alpha: number($0.1, "alpha", 0.99), epsilon: number($0.1, "eps", 1e-8),
            weightDecay: number($0.1, "weight_decay", 0), momentum: number($0.1, "momentum", 0),
            centered: flag($0.1, "centered"))) })
    case "Adagrad":
        return Adagrad(groups: zip(split, groups).map { ParameterGroup(parameters: $0.0, options: AdagradOptions(
            learningRate: number($0.1, "lr", 1e-2), learningRateDecay: number($0.1, "lr_decay", 0),
            weightDecay: number($0.1, "weight_decay", 0),
            initialAccumulatorValue: number($0.1, "initial_accumulator_value", 0), epsilon: number($0.1, "eps", 1e-10))) })
    default:
        fatalError("unknown optimizer \(kind)")
    }
}

private var configurations: [(name: String, kind: String, groups: [[String: Any]])] {
    (fixture["optimizers"] as! [String: Any]).keys.sorted().map { name in
        let entry = (fixture["optimizers"] as! [String: Any])[name] as! [String: Any]
        return (name, entry["optimizer"] as! String, entry["groups"] as! [[String: Any]])
    }
}

@Suite struct OptimizerTests {
    @Test(arguments: ["float32", "float64"])
    func matchesTorchTrajectories(dtypeName: String) {
        let dtype: DType = dtypeName == "float32" ? .float32 : .float64
        // Float64 agrees to rounding (relative 1e-12). In float32, torch's kernels are compiled with
        // fused multiply-adds (its `add(_, alpha:)` is one `fma`), ours are not, so results differ
        // by an ulp of the parameter's scale now and then: where a parameter passes near zero the
        // error is measured against that scale (1), not the tiny value.
        let tolerance = dtype == .float32 ? 1e-6 : 1e-12
        let floor = dtype == .float32 ? 1.0 : 1e-3
        for (name, kind, groups) in configurations {
            let entry = (fixture["optimizers"] as! [String: Any])[name] as! [String: Any]
            let expected = (entry[dtypeName] as! [Any]).map(nested)
            let problem = Problem(dtype: dtype)
            let optimizer = makeOptimizer(kind, groups, problem.parameters)
            for (step, reference) in expected.enumerated() {
                problem.setGradients()
                optimizer.step()
                for (parameter, values) in zip(problem.parameters, reference) {
                    let actual = parameter.scalars(as: Double.self)
                    let worst = zip(actual, values).map { abs($0 - $1) / max(abs($1), floor) }.max() ?? 0
                    #expect(worst <= tolerance, "\(name) \(dtypeName) step \(step + 1): relative error \(worst)")
                }
            }
        }
    }

    @Test(arguments: ["float32", "float64"])
    func resumingFromAStateDictIsBitIdentical(dtypeName: String) throws {
        let dtype: DType = dtypeName == "float32" ? .float32 : .float64
        for (name, kind, groups) in configurations {
            let straight = Problem(dtype: dtype)
            let reference = makeOptimizer(kind, groups, straight.parameters)
            for _ in 0..<10 { straight.setGradients(); reference.step() }

            let first = Problem(dtype: dtype)
            let original = makeOptimizer(kind, groups, first.parameters)
            for _ in 0..<5 { first.setGradients(); original.step() }
            let saved = original.stateDict()
            // Through JSON and copied tensors, as a checkpoint file would carry them.
            let json = try saved.scalarsJSON()
            let tensors = saved.tensors.mapValues { $0.clone() }
            let restoredDict = try OptimizerStateDict(tensors: tensors, scalarsJSON: json)
            #expect(restoredDict.scalars == saved.scalars)

            let resumed = Problem(dtype: dtype, initial: first.values)
            let fresh = makeOptimizer(kind, groups.map { _ in ["lr": 123.0] }, resumed.parameters)
            try fresh.load(stateDict: restoredDict)
            #expect(fresh.learningRates == original.learningRates, "\(name): hyperparameters restored")
            for _ in 0..<5 { resumed.setGradients(); fresh.step() }
            #expect(resumed.bits == straight.bits, "\(name) \(dtypeName): resumed run differs from the straight run")
        }
    }

    @Test func frozenParametersGetNoStateAndStayBitIdentical() {
        let trainable = Tensor([1, 2, 3] as [Float]).requiringGrad()
        let frozen = Tensor([4, 5, 6, 7] as [Float])
        let noGradient = Tensor([0.5, 0.25] as [Float]).requiringGrad()
        // A stale gradient on a frozen tensor must not move it either.
        frozen.grad = Tensor([1, 1, 1, 1] as [Float])
        let before = frozen.scalars(as: Float.self).map(\.bitPattern)
        let optimizers: [any Optimizer] = [
            AdamW(parameters: [trainable, frozen, noGradient], learningRate: 0.1, weightDecay: 0.1),
            SGD(parameters: [trainable, frozen, noGradient], learningRate: 0.1, momentum: 0.9),
            RMSprop(parameters: [trainable, frozen, noGradient], momentum: 0.9, centered: true),
            Adagrad(parameters: [trainable, frozen, noGradient]),
        ]
        for optimizer in optimizers {
            #expect(optimizer.stateByteCount == 0)
            for _ in 0..<3 {
                trainable.grad = Tensor([0.1, -0.2, 0.3] as [Float])
                optimizer.step()
            }
            #expect(frozen.scalars(as: Float.self).map(\.bitPattern) == before)
            #expect(noGradient.scalars(as: Float.self) == [0.5, 0.25])
            let stateKeys = Set(optimizer.stateDict().tensors.keys.map { $0.split(separator: ".")[1] })
            #expect(stateKeys == ["0"], "only parameter 0 has state, got \(stateKeys)")
            #expect(optimizer.stateDict().scalars.steps == [3, nil, nil])
        }
        #expect(optimizers[0].stateByteCount == 2 * 3 * 4)           // exp_avg, exp_avg_sq
        #expect(optimizers[1].stateByteCount == 3 * 4)               // momentum_buffer
        #expect(optimizers[2].stateByteCount == 3 * 3 * 4)           // square_avg, momentum_buffer, grad_avg
        #expect(optimizers[3].stateByteCount == 3 * 4)               // sum
    }

    @Test func stateBytesCountEveryBuffer() {
        let problem = Problem(dtype: .float64)
        let adam = Adam(parameters: problem.parameters, amsgrad: true)
        problem.setGradients()
        adam.step()
        #expect(adam.stateByteCount == 3 * 10 * 8)
        #expect(Set(adam.stateDict().tensors.keys) == [
            "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq",
            "state.1.exp_avg", "state.1.exp_avg_sq", "state.1.max_exp_avg_sq"])
        #expect(adam.state(of: problem.parameters[1])?.step == 1)
    }

    @Test func zeroGradClearsGradients() {
        let problem = Problem(dtype: .float32)
        let optimizer = SGD(parameters: problem.parameters, learningRate: 0.1)
        problem.setGradients()
        optimizer.zeroGrad()
        #expect(problem.parameters.allSatisfy { $0.grad == nil })
    }

    @Test func groupsHaveTheirOwnHyperparameters() {
        let problem = Problem(dtype: .float32)
        let optimizer = AdamW(groups: [
            ParameterGroup(parameters: [problem.parameters[0]], options: AdamOptions(learningRate: 0.01, weightDecay: 0.1)),
        ])
        optimizer.addGroup(ParameterGroup(parameters: [problem.parameters[1]], options: AdamOptions(learningRate: 0.03)))
        #expect(optimizer.learningRates == [0.01, 0.03])
        optimizer.groups[1].learningRate = 0.5
        optimizer.setLearningRate(0.2, group: 0)
        #expect(optimizer.learningRates == [0.2, 0.5])
        #expect(optimizer.groups[0].weightDecay == 0.1 && optimizer.groups[1].weightDecay == 0)
        #expect(optimizer.parameters.count == 2)
    }

    @Test func trainsThroughBackward() {
        let target = Tensor([1, -2, 3, 0.5] as [Double])
        let weight = Tensor.zeros([4], dtype: .float64).requiringGrad()
        let optimizer = AdamW(parameters: [weight], learningRate: 0.1, weightDecay: 0)
        func loss() -> Tensor { ((weight - target) * (weight - target)).sum() }
        let start = loss().item()
        for _ in 0..<200 {
            loss().backward()
            optimizer.step()
            optimizer.zeroGrad()
        }
        #expect(loss().item() < 1e-3 * start)
    }

    @Test(arguments: ["Adam", "AdamW", "SGD", "RMSprop", "Adagrad"])
    func threadedUpdateMatchesSmallTensors(kind: String) {
        // A parameter large enough to split across cores, made of copies of the fixture's first
        // parameter, must give every copy the small tensor's result bit for bit.
        let copies = 20_000
        let groups: [[String: Any]] = [["lr": 0.01, "weight_decay": 0.01, "momentum": 0.9, "centered": true, "amsgrad": true]]
        let small = Problem(dtype: .float32)
        let smallOptimizer = makeOptimizer(kind, groups, [small.parameters[0]])
        func tiled(_ t: Tensor) -> Tensor {
            Tensor(Array(repeating: t.scalars(as: Float.self), count: copies).flatMap { $0 }, shape: [copies * 6])
        }
        let big = tiled(small.parameters[0]).requiringGrad()
        let bigA = tiled(small.a[0]), bigC = tiled(small.c[0])
        let bigOptimizer = makeOptimizer(kind, groups, [big])
        for _ in 0..<3 {
            small.setGradients()
            smallOptimizer.step()
            big.grad = withGradientsDisabled { bigA * (big.detach() - bigC) }
            bigOptimizer.step()
        }
        let expected = small.parameters[0].scalars(as: Float.self).map(\.bitPattern)
        let actual = big.scalars(as: Float.self).map(\.bitPattern)
        #expect(Array(actual[0..<6]) == expected)
        #expect(Array(actual[(copies - 1) * 6..<copies * 6]) == expected)
        #expect(stride(from: 0, to: copies * 6, by: 6).allSatisfy { Array(actual[$0..<$0 + 6]) == expected })
    }

    @Test func loadRejectsMismatchedState() throws {
        let problem = Problem(dtype: .float32)
        let adam = Adam(parameters: problem.parameters)
        problem.setGradients()
        adam.step()
        let saved = adam.stateDict()
        #expect(throws: OptimizerStateError.optimizerMismatch(expected: "AdamW", found: "Adam")) {
            try AdamW(parameters: problem.parameters).load(stateDict: saved)
        }
        #expect(throws: OptimizerStateError.self) {
            try Adam(parameters: [problem.parameters[0]]).load(stateDict: saved)
        }
        var wrongShape = saved
        wrongShape.tensors["state.1.exp_avg"] = Tensor.zeros([5])
        let other = Adam(parameters: problem.parameters)
        #expect(throws: OptimizerStateError.self) { try other.load(stateDict: wrongShape) }
        #expect(other.stateByteCount == 0, "a failed load changes nothing")
        var missing = saved
        missing.tensors["state.0.exp_avg_sq"] = nil
        #expect(throws: OptimizerStateError.missingTensor("state.0.exp_avg_sq")) { try other.load(stateDict: missing) }
        var badValue = saved
        badValue.scalars.groups[0].hyperparameters["beta2"] = 1.5
        #expect(throws: OptimizerStateError.invalidHyperparameter("beta2", 1.5)) { try other.load(stateDict: badValue) }
        var badNesterov = SGD(parameters: problem.parameters, learningRate: 0.1).stateDict()
        badNesterov.scalars.groups[0].hyperparameters["nesterov"] = 1
        #expect(throws: OptimizerStateError.self) {
            try SGD(parameters: problem.parameters, learningRate: 0.1).load(stateDict: badNesterov)
        }
    }

    @Test func duplicateParametersAreRejected() async {
        await #expect(processExitsWith: .failure) {
            let p = Tensor([1, 2] as [Float]).requiringGrad()
            _ = SGD(parameters: [p, p], learningRate: 0.1)
        }
    }

    @Test func followingOptimizerPicksUpNewParametersAndKeepsTheirState() throws {
        let first = Tensor([1, 2] as [Float]).requiringGrad()
        let later = Tensor([3, 4, 5] as [Float]).requiringGrad()
        var source = [first]
        let optimizer = AdamW(following: { source }, options: AdamOptions(learningRate: 0.1, weightDecay: 0))
        first.grad = Tensor([1, 1] as [Float])
        optimizer.step()
        source.append(later)                         // starts training after the optimizer was built
        later.grad = Tensor([1, -1, 1] as [Float])
        first.grad = Tensor([1, 1] as [Float])
        optimizer.step()
        #expect(optimizer.parameters.count == 2)
        #expect(later.scalars(as: Float.self) != [3, 4, 5])
        #expect(optimizer.state(of: later)?.step == 1 && optimizer.state(of: first)?.step == 2)
        // Tensors never leave: a source that drops one keeps it (and its state) in the optimizer.
        source = [later]
        #expect(optimizer.parameters.map(ObjectIdentifier.init) == [first, later].map(ObjectIdentifier.init))
        #expect(optimizer.stateDict().scalars.steps == [2, 1])
    }

    @Test func checkTracksNamesTrainedTensorsOutsideTheOptimizer() throws {
        let tracked = Tensor([1, 2] as [Float]).requiringGrad()
        let untracked = Tensor([3] as [Float]).requiringGrad()
        let frozen = Tensor([4] as [Float])
        let optimizer = SGD(parameters: [tracked], learningRate: 0.1)
        let named = [(name: "tracked", tensor: tracked), (name: "untracked", tensor: untracked), (name: "frozen", tensor: frozen)]
        try optimizer.checkTracks(named)             // no gradients yet: nothing trains
        tracked.grad = Tensor([1, 1] as [Float])
        untracked.grad = Tensor([1] as [Float])
        frozen.grad = Tensor([1] as [Float])         // a stale gradient on a frozen tensor is not training
        #expect(throws: UntrackedParametersError(names: ["untracked"])) { try optimizer.checkTracks(named) }
        #expect("\(UntrackedParametersError(names: ["untracked"]))".contains("untracked"))
    }
}
