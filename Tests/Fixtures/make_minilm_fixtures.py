"""Reference sentence embeddings of the pretrained all-MiniLM-L6-v2, from Hugging Face transformers.

Reads   Tests/Fixtures/tokenizer_sentences.txt (the tokenizer fixtures' sentences and escapes)
        data/all-MiniLM-L6-v2/                  (fetched by `make model`, git-ignored)
Writes  Tests/Fixtures/minilm_embeddings.json   (sentences, input_ids, embeddings)

Embeddings are sentence-transformers' recipe: mean of the last hidden states over the attention
mask, then L2 normalisation. Values are rounded to 7 significant digits to keep the file small.

Run with the peer venv:  /work/main/.venv-peer/bin/python Tests/Fixtures/make_minilm_fixtures.py
"""
import json
import os
import sys

import torch
from transformers import AutoModel, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODEL = os.path.join(ROOT, "data", "all-MiniLM-L6-v2")
MAX_LENGTH = 128

sys.path.insert(0, HERE)
from make_tokenizer_fixtures import read_sentences  # noqa: E402  (same sentences, same unescaping)


def main():
    sentences = read_sentences()
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    model = AutoModel.from_pretrained(MODEL, dtype=torch.float32).eval()
    batch = tokenizer(sentences, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    embeddings = torch.nn.functional.normalize(pooled, p=2, dim=1)
    ids = [[int(t) for t, m in zip(row, mrow) if m] for row, mrow in zip(batch["input_ids"], batch["attention_mask"])]
    out = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "max_length": MAX_LENGTH,
        "sentences": sentences,
        "input_ids": ids,
        "embeddings": [[float("%.7g" % v) for v in row] for row in embeddings.tolist()],
    }
    with open(os.path.join(HERE, "minilm_embeddings.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
