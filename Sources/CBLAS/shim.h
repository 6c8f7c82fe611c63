// CBLAS comes from whichever BLAS Debian's alternatives select (OpenBLAS when installed,
// netlib otherwise). LAPACK routines are declared here directly in their Fortran calling
// convention, so no LAPACKE package is needed.
#ifndef TENSORKIT_CBLAS_SHIM_H
#define TENSORKIT_CBLAS_SHIM_H
#include <cblas.h>
#include <stddef.h>

// Fortran LAPACK (reference interface, 32-bit INTEGER as Debian ships it): every argument is
// passed by pointer, matrices are column-major, and each CHARACTER argument carries a hidden
// length after the regular arguments (gfortran's convention; passing it is always safe).

// Solve A·X = B by LU with partial pivoting; X overwrites B.
void sgesv_(const int *n, const int *nrhs, float *a, const int *lda, int *ipiv,
            float *b, const int *ldb, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv,
            double *b, const int *ldb, int *info);

// LU factorisation P·L·U.
void sgetrf_(const int *m, const int *n, float *a, const int *lda, int *ipiv, int *info);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);

// Inverse from an LU factorisation.
void sgetri_(const int *n, float *a, const int *lda, const int *ipiv,
             float *work, const int *lwork, int *info);
void dgetri_(const int *n, double *a, const int *lda, const int *ipiv,
             double *work, const int *lwork, int *info);

// Cholesky factorisation.
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info, size_t uplo_len);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_len);

// QR factorisation (Householder) and the explicit Q.
void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau,
             float *work, const int *lwork, int *info);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
             double *work, const int *lwork, int *info);
void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda, const float *tau,
             float *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau,
             double *work, const int *lwork, int *info);

// Singular value decomposition (divide and conquer).
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s,
             float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
             int *iwork, int *info, size_t jobz_len);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info, size_t jobz_len);

// Symmetric eigendecomposition (divide and conquer), eigenvalues ascending.
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);

#endif
