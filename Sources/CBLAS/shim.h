// CBLAS comes from whichever BLAS Debian's alternatives select (OpenBLAS when installed,
// netlib otherwise). LAPACK routines are declared here directly in their Fortran calling
// convention, so no LAPACKE package is needed.
#ifndef TENSORKIT_CBLAS_SHIM_H
#define TENSORKIT_CBLAS_SHIM_H
#include <cblas.h>
#endif
