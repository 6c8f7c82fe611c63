#!/usr/bin/env python3
"""Writes tokenizer reference outputs for the Swift tokenizer tests.

Run from the repository root, after `scripts/fetch-minilm.sh`:
    /work/main/.venv-peer/bin/python Tests/Fixtures/make_tokenizer_fixtures.py
Needs the Hugging Face `tokenizers` package (pip install tokenizers).

Reads   Tests/Fixtures/tokenizer_sentences.txt  (one sentence per line; escapes \\t \\n \\r \\\\ \\u{XXXX};
                                                 an empty line is the empty string)
        data/all-MiniLM-L6-v2/tokenizer.json    (the real all-MiniLM-L6-v2 WordPiece tokenizer)
        plus 200 seeded random strings mixing letters, digits, spaces, apostrophes, marks and emoji
Writes  Tests/Fixtures/tiny_bpe_tokenizer.json  (a byte-level BPE trained here on a little text)
        Tests/Fixtures/tokenizers.json          (sentences, ids, attention masks, decoded text)
"""
import json
import os
import random
import re

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MAX_LENGTH_MINILM = 128
MAX_LENGTH_BPE = 64
MAX_LENGTH_PAIRS = 24  # short, so that most pairs are truncated


def unescape(line):
    def replace(match):
        text = match.group(0)
        if text.startswith("\\u{"):
            return chr(int(text[3:-1], 16))
        return {"\\t": "\t", "\\n": "\n", "\\r": "\r", "\\\\": "\\"}[text]
    return re.sub(r"\\u\{[0-9A-Fa-f]+\}|\\[tnr\\]", replace, line)


def read_sentences():
    with open(os.path.join(HERE, "tokenizer_sentences.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [unescape(line) for line in lines]


def random_strings(count=200, seed=11):
    """Short strings mixing the character classes the splitting rules care about."""
    alphabet = ["a", "B", "s", "t", "r", "e", "l", "d", "m", "v", "'", "'", " ", " ", " ", "  ", "\n", "\t", "\r",
                "\u00a0", "\u3000", "\u0085", "\u200d", "\u00ad", "\u0007", "1", "42", "\u0663", "\u00b2",
                "\u2167", "!", ".", "-", "$", "_", "#", "\u00e9", "e\u0301", "\u00df", "\u0130", "\u03a3",
                "\ufb01", "\u01c5", "\u5317", "\uf900", "\u3042", "\u304c", "\ud55c", "\U0001f600",
                "\U0001f970", "\u2014", "\u00ab", "[MASK]", "<|endoftext|>", "##"]
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(count)]


def train_tiny_bpe(path):
    corpus = [
        "The quick brown fox jumps over the lazy dog while the cat sleeps in the sun.",
        "Fine-tuning adapts a pretrained model to a new task with a small learning rate.",
        "Low-rank adapters train two small matrices and keep the base weights frozen.",
        "Tokenizers split text into pieces; byte-level BPE never meets an unknown character.",
        "Numbers like 3.14, 42 and 1,000,000 appear in text, as do dates such as 2024-05-17.",
        "Café, naïve, résumé and Zoë have accents; 北京 and 東京 are written in CJK characters.",
        "I'm sure you'll see they've gone, won't they? It's John's book, and we're late.",
        "Emoji 😀 and symbols like $, %, & and # show up in chat messages all the time.",
    ] * 20
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=500, min_frequency=2, special_tokens=["<|endoftext|>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    eos = tokenizer.token_to_id("<|endoftext|>")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A <|endoftext|>", special_tokens=[("<|endoftext|>", eos)])
    tokenizer.save(path)
    return Tokenizer.from_file(path)


def reference(tokenizer, sentences, strings, max_length):
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    single = tokenizer.encode_batch(sentences, add_special_tokens=True)
    tokenizer.no_truncation()
    full = tokenizer.encode_batch(sentences, add_special_tokens=False)
    random_ids = [e.ids for e in tokenizer.encode_batch(strings, add_special_tokens=False)]
    tokenizer.enable_truncation(max_length=max_length)
    pad = tokenizer.token_to_id("[PAD]")
    if pad is None:
        pad = tokenizer.token_to_id("<pad>")
    tokenizer.enable_padding(pad_id=pad)
    batch = tokenizer.encode_batch(sentences, add_special_tokens=True)
    tokenizer.no_padding()
    return {
        "max_length": max_length,
        "ids": [e.ids for e in single],
        "attention_mask": [e.attention_mask for e in single],
        "type_ids": [e.type_ids for e in single],
        "ids_without_special_tokens_untruncated": [e.ids for e in full],
        "random_strings_ids": random_ids,
        "tokens": [e.tokens for e in single],
        "decoded_skipping_special_tokens": [tokenizer.decode(e.ids, skip_special_tokens=True) for e in single],
        "padded_batch": {
            "ids": [e.ids for e in batch],
            "attention_mask": [e.attention_mask for e in batch],
            "type_ids": [e.type_ids for e in batch],
        },
        "vocab_size": tokenizer.get_vocab_size(with_added_tokens=True),
    }


def pair_reference(tokenizer, sentences):
    """Pairs (sentence i, sentence i+1), truncated longest-first and padded to the longest."""
    pairs = [(sentences[i], sentences[(i + 1) % len(sentences)]) for i in range(len(sentences))]
    tokenizer.enable_truncation(max_length=MAX_LENGTH_PAIRS)
    pad = tokenizer.token_to_id("[PAD]")
    if pad is None:
        pad = tokenizer.token_to_id("<pad>")
    tokenizer.enable_padding(pad_id=pad)
    batch = tokenizer.encode_batch(pairs, add_special_tokens=True)
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return {
        "max_length": MAX_LENGTH_PAIRS,
        "ids": [e.ids for e in batch],
        "attention_mask": [e.attention_mask for e in batch],
        "type_ids": [e.type_ids for e in batch],
    }


def main():
    sentences = read_sentences()
    strings = random_strings()
    minilm_path = os.path.join(ROOT, "data", "all-MiniLM-L6-v2", "tokenizer.json")
    if not os.path.exists(minilm_path):
        raise SystemExit(f"{minilm_path} is missing: run scripts/fetch-minilm.sh first")
    minilm = Tokenizer.from_file(minilm_path)
    bpe = train_tiny_bpe(os.path.join(HERE, "tiny_bpe_tokenizer.json"))
    fixtures = {
        "sentences": sentences,
        "random_strings": strings,
        "minilm": reference(minilm, sentences, strings, MAX_LENGTH_MINILM),
        "tiny_bpe": reference(bpe, sentences, strings, MAX_LENGTH_BPE),
    }
    fixtures["minilm_pairs"] = pair_reference(minilm, sentences)
    fixtures["tiny_bpe_pairs"] = pair_reference(bpe, sentences)
    # The same BPE with a space put before each text segment (RoBERTa style).
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    bpe.no_truncation()
    fixtures["tiny_bpe_add_prefix_space_ids"] = [e.ids for e in bpe.encode_batch(sentences, add_special_tokens=False)]
    with open(os.path.join(HERE, "tokenizers.json"), "w", encoding="utf-8") as f:
        json.dump(fixtures, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
