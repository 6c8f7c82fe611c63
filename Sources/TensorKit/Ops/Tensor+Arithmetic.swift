/// + − × ÷ with NumPy broadcasting. Backward sums each input's gradient over its broadcast axes.
extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = FloatMap.binary(a, b, op: "add", Arithmetic.Add())
        let (sa, sb) = (a.shape, b.shape)
        return record("add", output: out, inputs: [a, b]) { g in [g.sum(toShape: sa), g.sum(toShape: sb)] }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = FloatMap.binary(a, b, op: "sub", Arithmetic.Sub())
        let (sa, sb) = (a.shape, b.shape)
        return record("sub", output: out, inputs: [a, b]) { g in [g.sum(toShape: sa), (-g).sum(toShape: sb)] }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = FloatMap.binary(a, b, op: "mul", Arithmetic.Mul())
        // Each factor is kept only for the other's gradient: `x * table` with a constant table
        // (RoPE's cosines, a mask) does not keep `x` alive until the backward.
        let (shapeA, shapeB) = (a.shape, b.shape)
        let savedA = b.requiresGrad ? a : nil, savedB = a.requiresGrad ? b : nil
        return record("mul", output: out, inputs: [a, b]) { g in
            [savedB.map { (g * $0).sum(toShape: shapeA) }, savedA.map { (g * $0).sum(toShape: shapeB) }]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = FloatMap.binary(a, b, op: "div", Arithmetic.Div())
        // The numerator is kept only for the denominator's gradient.
        let (shapeA, shapeB) = (a.shape, b.shape)
        let (gradientA, savedA) = (a.requiresGrad, b.requiresGrad ? a : nil)
        return record("div", output: out, inputs: [a, b]) { g in
            [gradientA ? (g / b).sum(toShape: shapeA) : nil, savedA.map { (-(g * $0) / (b * b)).sum(toShape: shapeB) }]
        }
    }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor {
        x.mapFloat(op: "neg", Arithmetic.Neg(), rule: { g in -g })
    }

    // MARK: Tensor–scalar forms (the scalar converts to the tensor's dtype)

    /// Adds a scalar to every element.
    public static func + (a: Tensor, s: Double) -> Tensor { a.mapFloat(op: "add", Arithmetic.Affine(scale: 1, shift: s), rule: { $0 }) }
    /// Adds a scalar to every element.
    public static func + (s: Double, a: Tensor) -> Tensor { a + s }
    /// Subtracts a scalar from every element.
    public static func - (a: Tensor, s: Double) -> Tensor { a + (-s) }
    /// A scalar minus every element.
    public static func - (s: Double, a: Tensor) -> Tensor { a.mapFloat(op: "rsub", Arithmetic.Affine(scale: -1, shift: s), rule: { -$0 }) }
    /// Multiplies every element by a scalar.
    public static func * (a: Tensor, s: Double) -> Tensor { a.mapFloat(op: "mul", Arithmetic.Affine(scale: s, shift: 0), rule: { $0 * s }) }
    /// Multiplies every element by a scalar.
    public static func * (s: Double, a: Tensor) -> Tensor { a * s }
    /// Divides every element by a scalar.
    public static func / (a: Tensor, s: Double) -> Tensor { a * (1 / s) }
    /// A scalar divided by every element.
    public static func / (s: Double, a: Tensor) -> Tensor {
        a.mapFloat(op: "rdiv", Arithmetic.Reciprocal(numerator: s), rule: { g in -(g * s) / (a * a) })
    }
}
