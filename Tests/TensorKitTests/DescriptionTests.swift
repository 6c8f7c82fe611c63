import Testing
@testable import TensorKit

@Suite struct DescriptionTests {
    @Test func matricesAlignInNestedBrackets() {
        let m = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        #expect("\(m)" == """
            tensor([[1.0000, 2.0000],
                    [3.0000, 4.0000]], dtype: float32, shape: [2, 2])
            """)
        #expect(m.transposed().description == """
            tensor([[1.0000, 3.0000],
                    [2.0000, 4.0000]], dtype: float32, shape: [2, 2])
            """)
        let cube = Tensor((0..<8).map(Int64.init), shape: [2, 2, 2])
        #expect(cube.description == """
            tensor([[[0, 1],
                     [2, 3]],

                    [[4, 5],
                     [6, 7]]], dtype: int64, shape: [2, 2, 2])
            """)
        let mixed = Tensor([-1.5, 10, 0.25] as [Double], shape: [3, 1])
        #expect(mixed.description == """
            tensor([[-1.5000],
                    [10.0000],
                    [ 0.2500]], dtype: float64, shape: [3, 1])
            """)
    }

    @Test func integersBoolsScalarsAndEmpty() {
        #expect(Tensor([1, -20, 300] as [Int32]).description == "tensor([  1, -20, 300], dtype: int32, shape: [3])")
        #expect(Tensor([true, false]).description == "tensor([ true, false], dtype: bool, shape: [2])")
        #expect(Tensor(scalar: 2.5).description == "tensor(2.5000, dtype: float64, shape: [])")
        #expect(Tensor(scalar: Int64(7)).description == "tensor(7, dtype: int64, shape: [])")
        #expect(Tensor.zeros([0, 3]).description == "tensor([], dtype: float32, shape: [0, 3])")
        let half = Tensor([0.5, 1] as [Float]).cast(to: .float16)
        #expect(half.description == "tensor([0.5000, 1.0000], dtype: float16, shape: [2])")
    }

    @Test func gradientsAndDebugLayout() {
        let w = Tensor([1, 2] as [Float]).requiringGrad()
        #expect(w.description == "tensor([1.0000, 2.0000], dtype: float32, shape: [2], requiresGrad: true)")
        let y = Tensor([1, 2] as [Double]).requiringGrad() * 2
        #expect(y.debugDescription
                == "tensor([2.0000, 4.0000], dtype: float64, shape: [2], strides: [1], offset: 0, requiresGrad: true, gradFn: mul)")
        let view = Tensor((0..<6).map(Float.init), shape: [2, 3]).slice(axis: 1, 1..<3)
        #expect(view.debugDescription == """
            tensor([[1.0000, 2.0000],
                    [4.0000, 5.0000]], dtype: float32, shape: [2, 2], strides: [3, 1], offset: 1)
            """)
    }

    @Test func scientificNotationNanAndInfinity() {
        #expect(Tensor([1e-5, 1] as [Double]).description == "tensor([1.0000e-05, 1.0000e+00], dtype: float64, shape: [2])")
        #expect(Tensor([1, 2000.5] as [Double]).description == "tensor([1.0000e+00, 2.0005e+03], dtype: float64, shape: [2])")
        // Whole numbers stay fixed-point however wide their range (as in PyTorch).
        #expect(Tensor([1, 2000] as [Float]).description == "tensor([   1.0000, 2000.0000], dtype: float32, shape: [2])")
        #expect(Tensor([Float.nan, .infinity, -1.5]).description == "tensor([    nan,     inf, -1.5000], dtype: float32, shape: [3])")
    }

    @Test func longRowsWrap() {
        #expect(Tensor.arange(0, 20).description == """
            tensor([ 0.0000,  1.0000,  2.0000,  3.0000,  4.0000,  5.0000,  6.0000,  7.0000,
                     8.0000,  9.0000, 10.0000, 11.0000, 12.0000, 13.0000, 14.0000, 15.0000,
                    16.0000, 17.0000, 18.0000, 19.0000], dtype: float32, shape: [20])
            """)
    }

    @Test func largeTensorsAreSummarised() {
        #expect(Tensor.arange(0, 2000, dtype: .int64).description
                == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], dtype: int64, shape: [2000])")
        let grid = Tensor.arange(0, 1200, dtype: .int64).reshape([40, 30])
        #expect(grid.description == """
            tensor([[   0,    1,    2,  ...,   27,   28,   29],
                    [  30,   31,   32,  ...,   57,   58,   59],
                    [  60,   61,   62,  ...,   87,   88,   89],
                    ...,
                    [1110, 1111, 1112,  ..., 1137, 1138, 1139],
                    [1140, 1141, 1142,  ..., 1167, 1168, 1169],
                    [1170, 1171, 1172,  ..., 1197, 1198, 1199]], dtype: int64, shape: [40, 30])
            """)
        // Short axes are never cut; exactly 1000 elements is not summarised.
        let tall = Tensor.zeros([2, 4, 200], dtype: .int32).description
        #expect(tall.contains("...") && !tall.contains("[[[0, 0, 0, 0"))
        #expect(!Tensor.zeros([1000], dtype: .int32).description.contains("..."))
        #expect(Tensor.zeros([2, 600], dtype: .int32).description.split(separator: "\n").count == 2)
    }
}
