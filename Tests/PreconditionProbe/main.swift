// A program that makes a programmer error on purpose, built in release mode by `make test` so
// PreconditionMessageTests can check what a user of an optimized build sees on stderr.
import TensorKit

let a = Tensor.zeros([2, 3])
let b = Tensor.zeros([4, 5])
print(a.matmul(b))
