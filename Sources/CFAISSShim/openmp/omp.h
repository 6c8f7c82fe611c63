// The part of GCC's <omp.h> (libgomp) that FAISS's impl/HNSW.h needs to compile: the lock type
// in the signatures of functions this shim never calls. Swift's clang does not search GCC's
// private include folder (/usr/lib/gcc/<triple>/<version>/include), where the full header lives;
// the layout below is libgomp's, so the declarations match the library's.
#ifndef CFAISS_SHIM_OMP_H
#define CFAISS_SHIM_OMP_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    unsigned char _x[4] __attribute__((__aligned__(4)));
} omp_lock_t;

#ifdef __cplusplus
}
#endif

#endif
