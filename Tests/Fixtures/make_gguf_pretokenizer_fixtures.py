"""How transformers cuts text for the `tokenizer.ggml.pre` names of byte-level GGUF vocabularies,
and the ids it gives with SmolLM2's vocabulary under each of those pre-tokenizers.

    .venv-peer/bin/python Tests/Fixtures/make_gguf_pretokenizer_fixtures.py data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

writes Tests/Fixtures/gguf_pretokenizers.json:
  texts: tricky texts (contractions in any case, digit runs, CR/LF runs, Unicode spaces) followed
         by the random strings of tokenizers.json;
  pieces: {gpt2, llama3, qwen2} → the pieces of each text (tokenizers' pre_tokenize_str), where
          gpt2 is the ByteLevel regex and the others the Split patterns transformers' GGUF loader
          installs (integrations/gguf/gguf_tokenizer_mapping.py);
  smollm2_ids: {llama3, qwen2} → `tok(text).input_ids` of SmolLM2's GGUF tokenizer whose
          pre-tokenizer was replaced the way the loader does it for `tokenizer.ggml.pre` =
          llama-bpe / qwen2 (its own `set_split_regex`).
Needs transformers, tokenizers and gguf (the peer venv); CI never runs it.
"""
import json
import os
import sys

from tokenizers import Regex, pre_tokenizers
from transformers import AutoTokenizer
from transformers.integrations.gguf import gguf_tokenizer_mapping as mapping

HERE = os.path.dirname(os.path.abspath(__file__))

TRICKY = [
    "don't DON'T it'S we'Re they'VE I'M you'LL he'D x'ss x'ſa x'ﬆa 'twas ' s",
    "abc12345 x\r\n\n  y  \n\t z",
    "1 12 123 1234 12345 ١٢٣٤ ⅣⅤ ²³ ａ１２３４",
    "a  \u00a0x \u2028\n \u3000字 !!\n\n x ?!\r\r\n tail\n",
    "tabs\t\tand\u000bvt\u000cff\u0085nel",
    "ǅx \u0301a \u0915\u093f mixed🙂emoji👍🏽 😀😀",
    "  leading and trailing  ",
    "<|im_start|>user\nHi<|im_end|>\n",
    "x'", "'", "''s", " 's", "\n'", "\r\n\r\n", " \n", "\n ", "",
]


def main():
    path = sys.argv[1]
    folder, name = os.path.split(os.path.abspath(path))
    with open(os.path.join(HERE, "tokenizers.json"), encoding="utf-8") as f:
        texts = TRICKY + json.load(f)["random_strings"]
    splitters = {
        "gpt2": pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        "llama3": pre_tokenizers.Split(Regex(mapping.GGUF_PRE_TOKENIZER_SPLITS["llama-bpe"]), "isolated"),
        "qwen2": pre_tokenizers.Split(Regex(mapping.GGUF_PRE_TOKENIZER_SPLITS["qwen2"]), "isolated"),
    }
    pieces = {}
    for kind, splitter in splitters.items():
        rows = []
        for text in texts:
            spans = [text[start:end] for _, (start, end) in splitter.pre_tokenize_str(text)]
            assert "".join(spans) == text, (kind, text)
            rows.append(spans)
        pieces[kind] = rows
    ids = {}
    for kind, pre in (("llama3", "llama-bpe"), ("qwen2", "qwen2")):
        tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        mapping.set_split_regex(tok, {"pre_tokenizer_type": pre})
        ids[kind] = [tok(text).input_ids for text in texts]
    out = {"texts": texts, "pieces": pieces, "smollm2_ids": ids}
    with open(os.path.join(HERE, "gguf_pretokenizers.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=None)
        f.write("\n")


if __name__ == "__main__":
    main()
