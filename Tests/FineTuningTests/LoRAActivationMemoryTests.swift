import Testing
@testable import FineTuning

/// An adapter that changes nothing and remembers, weakly, the storage of the input its host saw.
private final class InputProbe: LinearAdapter {
    weak var storage: Storage?

    override func transformInput(_ rows: Tensor) -> Tensor {
        storage = rows.storage
        return rows
    }
}

/// In a LoRA step on a frozen base, the activations only a frozen projection reads are freed
/// during the forward: the input of the attention's output projection and of the feed-forward
/// down projection (as PyTorch frees them), on float and on quantized bases.
@Suite struct LoRAActivationMemoryTests {
    private func tinyLlama(quantized: Bool) throws -> GPT {
        let model = tinyLlamaGPT()
        if quantized {
            model.quantizeLinears { _, linear in QuantizedTensor(quantizing: linear.weight, as: .q8_0) }
        }
        try LoRA(LoRAConfig(rank: 4, alpha: 8, targetModules: ["attention.query", "attention.value"]),
                 generator: Generator(seed: 3)).prepare(model)
        return model
    }

    /// Probes on the frozen output and down projections of every block.
    private func probe(_ model: GPT) -> [InputProbe] {
        model.layers.flatMap { block -> [InputProbe] in
            [block.attention.output, block.feedForward.down].map { layer in
                let probe = InputProbe()
                let host = layer as! any AdapterHost
                host.adapters["probe"] = probe
                host.activeAdapters = ["probe"]
                return probe
            }
        }
    }

    @Test(arguments: [false, true])
    func frozenProjectionInputsAreFreedInTheForward(quantized: Bool) throws {
        let model = try tinyLlama(quantized: quantized)
        let probes = probe(model)
        let ids = tokenIds([[1, 5, 9, 3, 22, 7], [2, 2, 4, 8, 16, 32]])
        let targets = tokenIds([[5, 9, 3, 22, 7, 0], [2, 4, 8, 16, 32, 39]])
        let loss = model.loss(ids, targets: targets)
        #expect(probes.allSatisfy { $0.storage == nil }, "an activation only a frozen projection reads outlived the forward")
        loss.backward()
        let trained = model.trainableParameters()
        #expect(trained.count == 8 && trained.allSatisfy { $0.grad != nil })
    }

    @Test(arguments: [false, true])
    func checkpointingGivesTheSameGradients(quantized: Bool) throws {
        let ids = tokenIds([[1, 5, 9, 3, 22, 7], [2, 2, 4, 8, 16, 32]])
        let targets = tokenIds([[5, 9, 3, 22, 7, 0], [2, 4, 8, 16, 32, 39]])
        func gradients(checkpointing: Bool) throws -> [[Float]] {
            let model = try tinyLlama(quantized: quantized)
            // B starts at zero: give it values so that A's gradient is not zero either.
            withGradientsDisabled {
                for parameter in model.trainableParameters() {
                    parameter.assign(Tensor.uniform(parameter.shape, low: -0.5, high: 0.5, generator: Generator(seed: 9)))
                }
            }
            model.gradientCheckpointing = checkpointing
            model.loss(ids, targets: targets).backward()
            return model.trainableParameters().map { $0.grad!.scalars(as: Float.self) }
        }
        let (plain, checkpointed) = (try gradients(checkpointing: false), try gradients(checkpointing: true))
        #expect(plain.count == 8 && plain.allSatisfy { $0.contains { $0 != 0 } })
        for (a, b) in zip(plain, checkpointed) {
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
        }
    }
}
