"""CLIP's BPE tokenizer, written for dcbench to give the ids of open_clip v2.16.1's `SimpleTokenizer`
and `tokenize()` (byte-level BPE over the 49,408-entry vocabulary, <|startoftext|> = 49406,
<|endoftext|> = 49407, zero padding to the context length, an over-long text cut and its last token
replaced by <|endoftext|>). The same algorithm as src/eval/clip/tokenizer.ts, which the tests compare
it with.

open_clip cleans text with `ftfy.fix_text`; ftfy is not packaged in Debian, so only its deterministic
clean-ups of already-valid Unicode are reproduced here (curly quotes, Latin ligatures, full-width forms,
line breaks, control characters, HTML entities, NFC). Its mojibake repair is not [unverified: identical
on the clean captions of synthetic pools; may differ on mis-decoded web text].
"""

import gzip
import html
import os
import unicodedata

import regex

VOCAB_NAME = "bpe_simple_vocab_16e6.txt.gz"
CONTEXT_LENGTH = 77

TOKEN_PATTERN = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE,
)
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"'}
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "ſt", "\ufb06": "st"}
_CONTROL = regex.compile("[\u0000-\u0008\u000b\u000e-\u001f\u007f\ufeff\ufff9-\ufffc\u206a-\u206f]")
_WIDE = regex.compile("[\uff01-\uff5e\u3000]")
_BREAKS = regex.compile("\r\n|\r|\u2028|\u2029|\u0085")


def default_vocab_path():
    """The vocabulary beside this file (the image copies it there), else the repository's copy."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.environ.get("DCBENCH_CLIP_VOCAB", ""),
        os.path.join(here, VOCAB_NAME),
        os.path.join(here, "..", "..", "..", "evaluators", "tokenizers", "clip", VOCAB_NAME),
    ]
    for path in candidates:
        if path and os.path.exists(path):
            return os.path.normpath(path)
    raise FileNotFoundError("CLIP BPE vocabulary %s not found (looked in %s)" % (VOCAB_NAME, ", ".join(c for c in candidates if c)))


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs])), [chr(c) for c in cs]


def fix_text(text):
    text = "".join(_QUOTES.get(c, c) for c in text)
    text = "".join(_LIGATURES.get(c, c) for c in text)
    text = _WIDE.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    text = _BREAKS.sub("\n", text)
    text = _CONTROL.sub("", text)
    if "<" not in text:
        text = html.unescape(text)
    return unicodedata.normalize("NFC", text)


def basic_clean(text):
    return html.unescape(html.unescape(fix_text(text))).strip()


def whitespace_clean(text):
    return regex.sub(r"\s+", " ", text).strip()


class ClipTokenizer:
    def __init__(self, vocab_path=None):
        self.vocab_path = vocab_path or default_vocab_path()
        with gzip.open(self.vocab_path, "rt", encoding="utf-8") as f:
            lines = f.read().split("\n")
        merges = [tuple(line.split()) for line in lines[1 : 49152 - 256 - 2 + 1]]
        self.byte_encoder, order = bytes_to_unicode()
        vocab = order + [v + "</w>" for v in order] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
        self.encoder = {token: i for i, token in enumerate(vocab)}
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.cache = {"<|startoftext|>": ["<|startoftext|>"], "<|endoftext|>": ["<|endoftext|>"]}
        self.sot = self.encoder["<|startoftext|>"]
        self.eot = self.encoder["<|endoftext|>"]
        self.vocab_size = len(vocab)

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = [(self.ranks.get((word[i], word[i + 1]), None), i) for i in range(len(word) - 1)]
            ranked = [p for p in pairs if p[0] is not None]
            if not ranked:
                break
            first, second = word[min(ranked)[1]], word[min(ranked)[1] + 1]
            merged = []
            i = 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        self.cache[token] = word
        return word

    def encode(self, text):
        cleaned = whitespace_clean(basic_clean(text)).lower()
        ids = []
        for match in TOKEN_PATTERN.finditer(cleaned):
            mapped = "".join(self.byte_encoder[b] for b in match.group(0).encode("utf-8"))
            ids.extend(self.encoder[piece] for piece in self.bpe(mapped))
        return ids

    def tokenize(self, texts, context_length=CONTEXT_LENGTH):
        """open_clip's `tokenize`: a list of rows of `context_length` ids."""
        rows = []
        for text in texts:
            ids = [self.sot] + self.encode(text) + [self.eot]
            if len(ids) > context_length:
                ids = ids[:context_length]
                ids[-1] = self.eot
            rows.append(ids + [0] * (context_length - len(ids)))
        return rows
