import TensorKit

// Placeholder until matmul lands: the demo becomes a small MLP trained with autograd.
let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
print(x.sum(axes: [1]).scalars(as: Float.self))
