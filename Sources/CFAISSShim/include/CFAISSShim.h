// A C view of the few FAISS index types RetrievalFAISS uses. Debian's libfaiss.a is C++ only
// (FAISS's own C API is not compiled in), so this shim is the bridge Swift can import.
//
// Every index measures inner product; callers pass unit-length vectors to get cosine similarity.
// Ids are the caller's 64-bit labels. Functions that can fail return 0 on success and -1 on
// failure, writing FAISS's message into `error` (`error_capacity` bytes, NUL-terminated).
#ifndef CFAISS_SHIM_H
#define CFAISS_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An index owned by the shim; free it with cfaiss_free.
typedef struct CFAISSIndex CFAISSIndex;

/// Exact search over every vector (FAISS IndexFlatIP under an id map).
CFAISSIndex *cfaiss_new_flat(int dimension, char *error, size_t error_capacity);
/// A hierarchical navigable small-world graph (IndexHNSWFlat) with `m` links per node,
/// `ef_construction` candidates while building and `ef_search` while searching.
CFAISSIndex *cfaiss_new_hnsw(int dimension, int m, int ef_construction, int ef_search,
                             char *error, size_t error_capacity);
/// An inverted file over `lists` k-means cells, searching the `probes` nearest cells
/// (IndexIVFFlat). Needs cfaiss_train before vectors are added.
CFAISSIndex *cfaiss_new_ivf_flat(int dimension, int lists, int probes, char *error, size_t error_capacity);

/// Whether the index can take vectors (only an untrained IVF index cannot).
int cfaiss_is_trained(const CFAISSIndex *index);
/// Learns the IVF cells from `count` row-major vectors.
int cfaiss_train(CFAISSIndex *index, int64_t count, const float *vectors, char *error, size_t error_capacity);
/// Adds `count` row-major vectors under `ids` (which must not be stored yet).
int cfaiss_add(CFAISSIndex *index, int64_t count, const float *vectors, const int64_t *ids,
               char *error, size_t error_capacity);
/// Removes the vectors under `ids` (HNSW marks them deleted: its graph cannot drop nodes).
int cfaiss_remove(CFAISSIndex *index, int64_t count, const int64_t *ids, char *error, size_t error_capacity);
/// Live vectors stored.
int64_t cfaiss_count(const CFAISSIndex *index);
/// For each of `count` queries, the `k` best (score, id) pairs, best first, into
/// `scores[count * k]` and `ids[count * k]`; missing results have id -1.
int cfaiss_search(const CFAISSIndex *index, int64_t count, const float *queries, int64_t k,
                  float *scores, int64_t *ids, char *error, size_t error_capacity);
/// Releases the index.
void cfaiss_free(CFAISSIndex *index);

#ifdef __cplusplus
}
#endif

#endif
