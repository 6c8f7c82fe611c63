import Testing
import TensorKit

/// Misuse of backward stops with a message that says what went wrong.
@Suite struct AutogradErrorTests {
    @Test func backwardOnANonScalarNeedsASeed() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2] as [Double]).requiringGrad()
            (x * 2).backward()
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("a non-scalar needs a seed gradient"))
        }
    }

    @Test func backwardOnATensorThatDoesNotRequireGrad() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Tensor([1] as [Double]).sum().backward()
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("does not require grad"))
        }
    }

    @Test func backwardThroughAFreedGraph() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2] as [Double]).requiringGrad()
            let loss = (x * x).sum()
            loss.backward()
            loss.backward()
        }.map { result in
            #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("has already been freed"))
        }
    }

    @Test func retainGraphAllowsASecondBackward() {
        let x = Tensor([1, 2] as [Double]).requiringGrad()
        let loss = (x * x).sum()
        loss.backward(retainGraph: true)
        loss.backward()
        #expect(x.grad!.scalars(as: Double.self) == [4, 8])
    }
}
