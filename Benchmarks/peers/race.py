#!/usr/bin/env python3
"""Race train-bench (TensorKit/FineTuning) against torch_bench.py (PyTorch) on the same workloads.

    python3 Benchmarks/peers/race.py                       # all seven workloads, 3 rounds
    python3 Benchmarks/peers/race.py --workloads gpt_full --rounds 5 --steps 10
    python3 Benchmarks/peers/race.py --model data/all-MiniLM-L6-v2 --workloads minilm_embed
    python3 Benchmarks/peers/race.py --workloads smollm2   # the SmolLM2 workloads (--gguf FILE)
    python3 Benchmarks/peers/race.py --install             # first make .venv-peer with torch

For each workload the two run alternately (ours, torch, torch, ours, ...) for several rounds, so
drift in machine load hits both alike; each run prints the median step time of its timed steps
and the table reports, per side, the median over rounds. Peak RSS is the whole process (PyTorch's
includes its own libraries). Needs a release build of train-bench, which it makes if missing.
Never run in CI: it needs PyTorch (and transformers for the minilm_* workloads).

The minilm_* workloads need the all-MiniLM-L6-v2 folder: --model DIR, by default
data/all-MiniLM-L6-v2 under the repository root when it exists (`make model` fetches it);
without it they are skipped with a message. minilm_embed is inference: its time columns are
ms per batch of 32, and the sentences/s columns and their ratio (ours / torch, higher is better
for us) are filled for it only. minilm_embed_real embeds 256 movie-review snippets (data/movie-reviews.tsv,
beside the model folder) per step against sentence-transformers' encode(batch_size=32); its ms are per
step of 256 sentences. `pip install sentence-transformers` into the peer's Python for it.

The limit columns: ours runs with --limit, which records the matrix products of one of its steps
and replays them through raw cblas_sgemm on preallocated buffers; each side's time is then
divided by that replay's time (what a step of these shapes could take if only its GEMMs cost).

The smollm2_* workloads load SmolLM2-135M-Instruct from --gguf FILE (default
data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf under the repository root; `make llm` fetches it)
and run 3 timed steps unless --steps says otherwise. Their generation and prefill rows go to a
second table (tokens/s, higher is better for us). The *_quantized and qlora rows of our side
keep the projections in their GGUF blocks; PyTorch runs the same float32 model for them.

--mode sets the threading environment of both sides (this matters a lot on a shared machine):
  default  as shipped: OpenBLAS picks its threads, PyTorch set_num_threads(2) with OpenMP's
           default active (spinning) wait, which slows PyTorch 3-5x when other processes compete
           for the cores, so this mode flatters us on a busy machine;
  passive  PyTorch with OMP_WAIT_POLICY=PASSIVE (its threads sleep instead of spinning), ours
           unchanged: the fair two-thread comparison on a shared machine;
  single   one BLAS/OpenMP thread each (OPENBLAS_NUM_THREADS=1; torch --threads 1): the kernels
           against each other without any threading effects.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)  # Benchmarks/
REPO = os.path.dirname(PACKAGE)
DEFAULT_PYTHON = "/work/main/.venv-peer/bin/python"
DEFAULT_MODEL = os.path.join(REPO, "data", "all-MiniLM-L6-v2")
DEFAULT_GGUF = os.path.join(REPO, "data", "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
ALL_WORKLOADS = ["gpt_full", "gpt_partial", "gpt_lora", "minilm_embed", "minilm_embed_real", "minilm_lora_step",
                 "minilm_full_step"]
SMOLLM2_WORKLOADS = ["smollm2_generate", "smollm2_generate_quantized", "smollm2_prefill", "smollm2_prefill_quantized",
                     "smollm2_lora_step", "smollm2_qlora_step", "smollm2_full_step"]
SMOLLM2_STEPS = 3


def peer_python(args):
    if args.install:
        venv = os.path.join(os.getcwd(), ".venv-peer")
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "torch", "numpy"], check=True)
        return os.path.join(venv, "bin", "python")
    return args.python or os.environ.get("PEER_PYTHON") or DEFAULT_PYTHON


def train_bench(args):
    binary = args.ours or os.path.join(PACKAGE, ".build", "release", "train-bench")
    if not os.path.exists(binary) or args.build:
        subprocess.run(["swift", "build", "-c", "release", "--package-path", PACKAGE, "--product", "train-bench"],
                       check=True)
    return binary


MODES = {
    "default": ({}, {}, []),
    "passive": ({}, {"OMP_WAIT_POLICY": "PASSIVE"}, []),
    "single": ({"OPENBLAS_NUM_THREADS": "1"}, {"OMP_NUM_THREADS": "1"}, ["--threads", "1"]),
}


def run_json(command, extra_env):
    done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, **extra_env))
    if done.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(command), done.returncode, done.stderr.strip()))
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratio(a, b):
    return "%.2f×" % (a / b) if b else "n/a"


def step_ms(result):
    """Milliseconds per step, or per batch for an inference workload."""
    return result["ms_per_step"] if "ms_per_step" in result else result["ms_per_batch"]


def model_directory(args):
    """The MiniLM folder, or None (with the reason) when the minilm_* workloads must be skipped."""
    directory = args.model or (DEFAULT_MODEL if os.path.isdir(DEFAULT_MODEL) else None)
    if directory is None:
        return None, "no --model given and %s does not exist (`make model` fetches it)" % DEFAULT_MODEL
    if not os.path.isdir(directory):
        return None, "--model %s is not a directory" % directory
    return os.path.abspath(directory), None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(ALL_WORKLOADS), help="comma-separated workload names")
    parser.add_argument("--model", help="all-MiniLM-L6-v2 folder for the minilm_* workloads (default %s if it exists)"
                        % DEFAULT_MODEL)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per side")
    parser.add_argument("--steps", type=int, help="timed steps per run (after the warm-up steps); default 10, %d for "
                        "smollm2_*" % SMOLLM2_STEPS)
    parser.add_argument("--gguf", default=DEFAULT_GGUF, help="SmolLM2 GGUF file for smollm2_* (default %(default)s)")
    parser.add_argument("--install", action="store_true", help="create ./.venv-peer and pip install torch numpy")
    parser.add_argument("--python", help="Python with torch (default $PEER_PYTHON or %s)" % DEFAULT_PYTHON)
    parser.add_argument("--ours", help="path to a train-bench binary (default Benchmarks/.build/release/train-bench)")
    parser.add_argument("--build", action="store_true", help="rebuild train-bench in release first")
    parser.add_argument("--mode", choices=sorted(MODES), default="passive", help="threading environment (see above)")
    parser.add_argument("--verbose", action="store_true", help="print every run's JSON line to stderr")
    args = parser.parse_args()

    python = peer_python(args)
    ours_binary = train_bench(args)
    torch_script = os.path.join(HERE, "torch_bench.py")
    model, why_no_model = model_directory(args)
    rows = []
    cpu_rows = []
    generation_rows = []
    mismatches = []
    names = []
    for name in (w.strip() for w in args.workloads.split(",") if w.strip()):
        names += SMOLLM2_WORKLOADS if name == "smollm2" else [name]
    for workload in names:
        steps = args.steps or (SMOLLM2_STEPS if workload.startswith("smollm2_") else 10)
        common = ["--workload", workload, "--steps", str(steps)]
        if workload.startswith("smollm2_"):
            if not os.path.isfile(args.gguf):
                print("skipping %s: %s does not exist (`make llm` fetches it)" % (workload, args.gguf), file=sys.stderr)
                continue
            common += ["--model", os.path.abspath(args.gguf)]
        if workload.startswith("minilm_"):
            if model is None:
                print("skipping %s: %s" % (workload, why_no_model), file=sys.stderr)
                continue
            common += ["--model", model]
        ours_env, torch_env, torch_args = MODES[args.mode]
        # Ours also replays its step's matrix products through raw BLAS (the limit column).
        commands = {"ours": [ours_binary] + common + ["--limit"], "torch": [python, torch_script] + common + torch_args}
        envs = {"ours": ours_env, "torch": torch_env}
        runs = {"ours": [], "torch": []}
        for round_index in range(args.rounds):
            # Alternate who goes first, so neither side always runs on a machine the other warmed.
            order = ["ours", "torch"] if round_index % 2 == 0 else ["torch", "ours"]
            for side in order:
                result = run_json(commands[side], envs[side])
                if args.verbose:
                    print("%s round %d: %s" % (side, round_index + 1, json.dumps(result)), file=sys.stderr)
                runs[side].append(result)
        ours, theirs = runs["ours"], runs["torch"]
        counts = (ours[0]["trainable"], ours[0]["total"])
        # Our quantized inference models keep only the embedding and norms as parameters, so only
        # the totals (which count the quantized weights too) compare there.
        compared = 1 if workload.endswith("_quantized") else 0
        if counts[compared:] != (theirs[0]["trainable"], theirs[0]["total"])[compared:]:
            mismatches.append(workload)
            print("warning: %s parameter counts differ: ours %d/%d, torch %d/%d" % (
                workload, ours[0]["trainable"], ours[0]["total"], theirs[0]["trainable"], theirs[0]["total"]),
                file=sys.stderr)
        med = lambda rs, key: statistics.median(key(r) for r in rs)
        if "prefill_tokens_per_s" in ours[0]:
            keys = ["decode_tokens_per_s", "prefill_tokens_per_s", "peak_rss_mb"]
            generation_rows.append((workload, [(med(ours, lambda r: r.get(k, float("nan"))),
                                                med(theirs, lambda r: r.get(k, float("nan")))) for k in keys]))
            continue
        inference = "sentences_per_s" in ours[0]
        sentences = ((med(ours, lambda r: r["sentences_per_s"]), med(theirs, lambda r: r["sentences_per_s"]))
                     if inference else None)
        limit = med(ours, lambda r: r.get("gemm_limit_ms", float("nan")))
        cpu_rows.append((workload, med(ours, lambda r: r.get("cpu_ms", float("nan"))),
                         med(theirs, lambda r: r.get("cpu_ms", float("nan"))),
                         med(ours, lambda r: r.get("gemm_limit_cpu_ms", float("nan")))))
        rows.append((workload, med(ours, step_ms), med(theirs, step_ms), sentences,
                     med(ours, lambda r: r["peak_rss_mb"]), med(theirs, lambda r: r["peak_rss_mb"]),
                     counts, workload in mismatches, limit))

    if generation_rows:
        print("| workload | ours decode tok/s | torch decode tok/s | decode ratio | ours prefill tok/s "
              "| torch prefill tok/s | prefill ratio | ours RSS MB | torch RSS MB | RSS ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, ((od, td), (op, tp), (orss, trss)) in generation_rows:
            decode = ("%.1f | %.1f | %s" % (od, td, ratio(od, td))) if od == od else "— | — | —"
            print("| %s | %s | %.1f | %.1f | %s | %.0f | %.0f | %s |" % (
                name, decode, op, tp, ratio(op, tp), orss, trss, ratio(orss, trss)))
        print("\ntokens/s ratios are ours / torch (above 1 = we are faster); smollm2_generate: 128-token prompt, "
              "64 greedy tokens, batch 1 (decode = the 63 tokens after the first); smollm2_prefill: 4 × 256 tokens.\n")
        if not rows:
            return
    print("| workload | ours ms/step | torch ms/step | time ratio | GEMM limit ms | ours / limit | torch / limit "
          "| ours sentences/s | torch sentences/s "
          "| sentences/s ratio (ours / torch) | ours RSS MB | torch RSS MB | RSS ratio | trainable / total |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, ot, tt, sentences, orss, trss, (trainable, total), mismatch, limit in rows:
        sentence_cells = ("%.1f | %.1f | %s" % (sentences[0], sentences[1], ratio(*sentences)) if sentences
                          else "— | — | —")
        limit_cells = ("%.1f | %s | %s" % (limit, ratio(ot, limit), ratio(tt, limit)) if limit == limit
                       else "— | — | —")
        print("| %s | %.1f | %.1f | %s | %s | %s | %.0f | %.0f | %s | %s / %s%s |" % (
            name, ot, tt, ratio(ot, tt), limit_cells, sentence_cells, orss, trss, ratio(orss, trss),
            format(trainable, ","), format(total, ","), " (torch differs!)" if mismatch else ""))
    print("\nmode %s: %d alternating rounds per side, %s timed steps per run (after the warm-up), medians; "
          "time and RSS ratio = ours / torch (targets: time ≤ 0.80×, RSS ≤ 0.50×); GEMM limit = one step's matrix "
          "products (recorded from ours) replayed through raw cblas_sgemm, and each side's time over it (target ≤ 1.15, "
          "minilm_embed ≤ 1.10); minilm_embed is inference: "
          "its ms are per batch of 32 and its sentences/s ratio is ours / torch (above 1 = we are faster)."
          % (args.mode, args.rounds, args.steps or "10 (smollm2_*: %d)" % SMOLLM2_STEPS))
    if cpu_rows:
        print("\nProcess CPU time (user + system, all threads) of the same runs: what each side's step costs "
              "regardless of other jobs on the machine (with one thread each, --mode single, the work itself; "
              "with two, spinning idle threads count too).\n")
        print("| workload | ours CPU ms | torch CPU ms | CPU ratio | GEMM limit CPU ms | ours / limit | torch / limit |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, ours_cpu, torch_cpu, limit_cpu in cpu_rows:
            print("| %s | %.1f | %.1f | %s | %.1f | %s | %s |" % (
                name, ours_cpu, torch_cpu, ratio(ours_cpu, torch_cpu), limit_cpu, ratio(ours_cpu, limit_cpu),
                ratio(torch_cpu, limit_cpu)))
    if mismatches:
        print("parameter counts differ between the sides for: %s" % ", ".join(mismatches))
        sys.exit(1)


if __name__ == "__main__":
    main()
