import Foundation
import Testing
@testable import TensorKit

nonisolated(unsafe) private let schedules: [String: Any] = {
    let data = try! Data(contentsOf: fixtureURL("optimizers.json"))
    let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    return root["schedules"] as! [String: Any]
}()

private func entry(_ name: String) -> [String: Any] { schedules[name] as! [String: Any] }
private func value(_ name: String, _ key: String) -> Double { (entry(name)[key] as! NSNumber).doubleValue }
private func integer(_ name: String, _ key: String) -> Int { (entry(name)[key] as! NSNumber).intValue }

@Suite struct ScheduleTests {
    private func expectMatchesTorch(_ schedule: LearningRateSchedule, _ name: String,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        let base = (schedules["base"] as! NSNumber).doubleValue
        let expected = (entry(name)["lr"] as! [NSNumber]).map(\.doubleValue)
        for (step, lr) in expected.enumerated() {
            let actual = schedule.learningRate(at: step, base: base)
            #expect(abs(actual - lr) <= 1e-6 * abs(lr) + 1e-15, "\(name) step \(step): \(actual) vs torch \(lr)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func matchesTorchSchedulers() {
        expectMatchesTorch(.step(stepSize: integer("step", "stepSize"), gamma: value("step", "gamma")), "step")
        expectMatchesTorch(.exponential(gamma: value("exponential", "gamma")), "exponential")
        expectMatchesTorch(.cosine(totalSteps: integer("cosine", "totalSteps"),
                                   minLearningRate: value("cosine", "minLearningRate")), "cosine")
        expectMatchesTorch(.linear(totalSteps: integer("linear", "totalSteps"), endFactor: value("linear", "endFactor")), "linear")
        expectMatchesTorch(.warmup(steps: integer("warmup_cosine", "warmupSteps"),
                                   startFactor: value("warmup_cosine", "startFactor"),
                                   then: .cosine(totalSteps: integer("warmup_cosine", "totalSteps"),
                                                 minLearningRate: value("warmup_cosine", "minLearningRate"))),
                           "warmup_cosine")
    }

    @Test func handComputedValues() {
        #expect(LearningRateSchedule.constant.learningRate(at: 1000, base: 0.3) == 0.3)
        // Warmup from zero: 0, 1/4, 2/4, 3/4 of the base, then the inner schedule from its step 0.
        let warm = LearningRateSchedule.warmup(steps: 4, then: .step(stepSize: 2, gamma: 0.1))
        let values = (0..<9).map { warm.learningRate(at: $0, base: 1) }
        let expected = [0, 0.25, 0.5, 0.75, 1, 1, 0.1, 0.1, 0.01]
        for (v, e) in zip(values, expected) { #expect(abs(v - e) < 1e-15) }
        // Cosine: halfway is the midpoint, the end and beyond is the minimum.
        let cosine = LearningRateSchedule.cosine(totalSteps: 10, minLearningRate: 0.1)
        #expect(abs(cosine.learningRate(at: 5, base: 1.1) - 0.6) < 1e-15)
        #expect(cosine.learningRate(at: 10, base: 1.1) == 0.1 && cosine.learningRate(at: 50, base: 1.1) == 0.1)
        #expect(LearningRateSchedule.linear(totalSteps: 4, endFactor: 0).learningRate(at: 1, base: 2) == 1.5)
        #expect(LearningRateSchedule.linear(totalSteps: 4, endFactor: 0).learningRate(at: 9, base: 2) == 0)
    }

    @Test func warmupCosineMatchesHuggingFaceFormula() {
        // transformers.get_cosine_schedule_with_warmup(num_warmup_steps=10, num_training_steps=100)
        let schedule = LearningRateSchedule.warmupCosine(warmupSteps: 10, totalSteps: 100)
        for step in 0..<100 {
            let factor = step < 10 ? Double(step) / 10
                : 0.5 * (1 + cos(Double.pi * Double(step - 10) / 90))
            #expect(abs(schedule.learningRate(at: step, base: 2e-4) - 2e-4 * factor) < 1e-18)
        }
        #expect(schedule.learningRate(at: 100, base: 2e-4) == 0)
    }

    @Test func schedulerDrivesEveryGroupFromItsBaseRate() {
        let a = Tensor([1] as [Float]).requiringGrad(), b = Tensor([2] as [Float]).requiringGrad()
        let optimizer = SGD(groups: [
            ParameterGroup(parameters: [a], options: SGDOptions(learningRate: 0.1)),
            ParameterGroup(parameters: [b], options: SGDOptions(learningRate: 0.01)),
        ])
        let scheduler = LearningRateScheduler(.warmup(steps: 2, then: .exponential(gamma: 0.5)), optimizer: optimizer)
        #expect(optimizer.learningRates == [0, 0])
        scheduler.step()
        #expect(optimizer.learningRates == [0.05, 0.005])
        scheduler.step()
        #expect(optimizer.learningRates == [0.1, 0.01])
        scheduler.step()
        #expect(optimizer.learningRates == [0.05, 0.005])
        #expect(scheduler.currentStep == 3 && scheduler.baseLearningRates == [0.1, 0.01])
        // Resuming: a new scheduler at a saved step with the saved base rates.
        let resumed = LearningRateScheduler(scheduler.schedule, optimizer: optimizer, startingAt: 3,
                                            baseLearningRates: scheduler.baseLearningRates)
        #expect(resumed.learningRates == [0.05, 0.005])
    }

    @Test func schedulesAreCodable() throws {
        let schedule = LearningRateSchedule.warmup(steps: 100, startFactor: 0.1,
                                                   then: .cosine(totalSteps: 900, minLearningRate: 1e-5))
        let data = try JSONEncoder().encode(schedule)
        #expect(try JSONDecoder().decode(LearningRateSchedule.self, from: data) == schedule)
    }
}
