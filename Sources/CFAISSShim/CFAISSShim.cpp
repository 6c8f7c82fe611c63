#include "CFAISSShim.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/IDSelector.h>

#include <cstring>
#include <exception>
#include <memory>
#include <unordered_map>
#include <vector>

namespace {

/// HNSW graphs cannot drop nodes, so removed vectors stay in the graph and are skipped while
/// searching; this selector lets through only live internal labels.
struct LiveLabels : faiss::IDSelector {
    const std::vector<uint8_t> *removed;
    explicit LiveLabels(const std::vector<uint8_t> *removed) : removed(removed) {}
    bool is_member(idx_t label) const override { return label >= 0 && !(*removed)[label]; }
};

void report(const char *message, char *error, size_t capacity) {
    if (!error || capacity == 0) return;
    std::strncpy(error, message, capacity - 1);
    error[capacity - 1] = '\0';
}

/// Runs `body`, turning a C++ exception into -1 and a message.
template <typename Body>
int guarded(char *error, size_t capacity, Body body) {
    try {
        body();
        return 0;
    } catch (const std::exception &exception) {
        report(exception.what(), error, capacity);
    } catch (...) {
        report("unknown C++ exception", error, capacity);
    }
    return -1;
}

} // namespace

struct CFAISSIndex {
    /// The index searched; for flat and IVF it stores the caller's ids itself.
    std::unique_ptr<faiss::Index> index;
    /// HNSW only: the graph's internal labels (insertion order) to the caller's ids and back,
    /// and which labels are removed.
    bool isHNSW = false;
    int efSearch = 16;
    std::vector<int64_t> idOfLabel;
    std::unordered_map<int64_t, int64_t> labelOfID;
    std::vector<uint8_t> removed;
    int64_t removedCount = 0;
    /// IVF only: cells probed per query.
    int probes = 0;
};

extern "C" {

CFAISSIndex *cfaiss_new_flat(int dimension, char *error, size_t capacity) {
    std::unique_ptr<CFAISSIndex> result(new CFAISSIndex());
    int status = guarded(error, capacity, [&] {
        auto map = std::make_unique<faiss::IndexIDMap>(new faiss::IndexFlatIP(dimension));
        map->own_fields = true;
        result->index = std::move(map);
    });
    return status == 0 ? result.release() : nullptr;
}

CFAISSIndex *cfaiss_new_hnsw(int dimension, int m, int efConstruction, int efSearch, char *error, size_t capacity) {
    std::unique_ptr<CFAISSIndex> result(new CFAISSIndex());
    int status = guarded(error, capacity, [&] {
        auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(dimension, m, faiss::METRIC_INNER_PRODUCT);
        hnsw->hnsw.efConstruction = efConstruction;
        hnsw->hnsw.efSearch = efSearch;
        result->index = std::move(hnsw);
        result->isHNSW = true;
        result->efSearch = efSearch;
    });
    return status == 0 ? result.release() : nullptr;
}

CFAISSIndex *cfaiss_new_ivf_flat(int dimension, int lists, int probes, char *error, size_t capacity) {
    std::unique_ptr<CFAISSIndex> result(new CFAISSIndex());
    int status = guarded(error, capacity, [&] {
        auto ivf = std::make_unique<faiss::IndexIVFFlat>(new faiss::IndexFlatIP(dimension), dimension, lists,
                                                         faiss::METRIC_INNER_PRODUCT);
        ivf->own_fields = true;
        ivf->nprobe = probes;
        result->index = std::move(ivf);
        result->probes = probes;
    });
    return status == 0 ? result.release() : nullptr;
}

int cfaiss_is_trained(const CFAISSIndex *index) { return index->index->is_trained ? 1 : 0; }

int cfaiss_train(CFAISSIndex *index, int64_t count, const float *vectors, char *error, size_t capacity) {
    return guarded(error, capacity, [&] { index->index->train(count, vectors); });
}

int cfaiss_add(CFAISSIndex *index, int64_t count, const float *vectors, const int64_t *ids, char *error,
               size_t capacity) {
    return guarded(error, capacity, [&] {
        if (!index->isHNSW) {
            index->index->add_with_ids(count, vectors, ids);
            return;
        }
        int64_t first = index->index->ntotal;
        index->idOfLabel.reserve(first + count);
        index->index->add(count, vectors);
        for (int64_t i = 0; i < count; i++) {
            index->idOfLabel.push_back(ids[i]);
            index->labelOfID[ids[i]] = first + i;
            index->removed.push_back(0);
        }
    });
}

int cfaiss_remove(CFAISSIndex *index, int64_t count, const int64_t *ids, char *error, size_t capacity) {
    return guarded(error, capacity, [&] {
        if (!index->isHNSW) {
            faiss::IDSelectorBatch selector(count, ids);
            index->index->remove_ids(selector);
            return;
        }
        for (int64_t i = 0; i < count; i++) {
            auto found = index->labelOfID.find(ids[i]);
            if (found == index->labelOfID.end()) continue;
            index->removed[found->second] = 1;
            index->removedCount++;
            index->labelOfID.erase(found);
        }
    });
}

int64_t cfaiss_count(const CFAISSIndex *index) { return index->index->ntotal - index->removedCount; }

int cfaiss_search(const CFAISSIndex *index, int64_t count, const float *queries, int64_t k, float *scores,
                  int64_t *ids, char *error, size_t capacity) {
    return guarded(error, capacity, [&] {
        if (!index->isHNSW) {
            index->index->search(count, queries, k, scores, ids);
            return;
        }
        faiss::SearchParametersHNSW parameters;
        parameters.efSearch = index->efSearch;
        LiveLabels live(&index->removed);
        if (index->removedCount > 0) parameters.sel = &live;
        index->index->search(count, queries, k, scores, ids, &parameters);
        for (int64_t i = 0; i < count * k; i++) {
            if (ids[i] >= 0) ids[i] = index->idOfLabel[ids[i]];
        }
    });
}

void cfaiss_free(CFAISSIndex *index) { delete index; }

} // extern "C"
