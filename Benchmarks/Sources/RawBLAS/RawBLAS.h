// Direct CBLAS, for comparing TensorKit's matmul with the library it calls.
#ifndef BENCHMARKS_RAW_BLAS_H
#define BENCHMARKS_RAW_BLAS_H
#include <cblas.h>
#endif
