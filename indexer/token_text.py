"""Readable display text for vocabulary tokens.

Byte-level BPE (GPT-2, RoBERTa, Llama 3, Qwen) stores bytes as stand-in characters (`Ġ` for a space, `Ã©`
for é); we turn them back into text and mark a word start with a visible `␣`. SentencePiece (XLM-R, ALBERT,
DeBERTa-v3, Llama 2, Gemma) marks a word start with `▁`, shown as `␣` too, and its byte-fallback pieces
(`<0x0A>`) as the byte they stand for. WordPiece keeps its `##` continuation marker, which already says what
it means. Bytes that are only part of a character are shown as `\\xNN`.
"""

from __future__ import annotations

import re
from functools import cache

from transformers import PreTrainedTokenizerBase

WORD_START = "␣"
VISIBLE_WHITESPACE = {"\n": "↵", "\t": "⇥", "\r": "␍"}
SENTENCEPIECE_WORD_START = "▁"
BYTE_FALLBACK = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


@cache
def byte_level_alphabet() -> dict[str, int]:
    """The byte-level BPE stand-in character for each byte value, inverted: character -> byte."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    char_for_byte = {byte: chr(byte) for byte in printable}
    extra = 0
    for byte in range(256):
        if byte not in char_for_byte:
            char_for_byte[byte] = chr(256 + extra)
            extra += 1
    return {char: byte for byte, char in char_for_byte.items()}


def uses_byte_level_bpe(tokenizer: PreTrainedTokenizerBase) -> bool:
    """True when the tokenizer's decoder maps byte stand-ins back to bytes."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    decoder = getattr(backend, "decoder", None)
    return type(decoder).__name__ == "ByteLevel"


def uses_sentencepiece(tokenizer: PreTrainedTokenizerBase) -> bool:
    """True when the tokenizer's decoder turns `▁` back into a space (Metaspace, or Replace in Llama 2's)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    return backend is not None and SENTENCEPIECE_WORD_START in str(backend.decoder)


def readable_sentencepiece(token: str) -> str:
    """A SentencePiece piece with `▁` shown as `␣` and a byte-fallback piece as its byte."""
    byte = BYTE_FALLBACK.match(token)
    if byte:
        return make_whitespace_visible(
            bytes([int(byte.group(1), 16)]).decode("utf-8", errors="backslashreplace")
        )
    return make_whitespace_visible(token.replace(SENTENCEPIECE_WORD_START, " "))


def readable_byte_level(token: str) -> str:
    """Decode one byte-level BPE token into readable text with visible whitespace."""
    alphabet = byte_level_alphabet()
    if any(char not in alphabet for char in token):
        return token
    text = bytes(alphabet[char] for char in token).decode("utf-8", errors="backslashreplace")
    return make_whitespace_visible(text)


def make_whitespace_visible(text: str) -> str:
    """Show spaces as `␣` and line breaks and tabs as arrows, so no token looks empty."""
    return "".join(VISIBLE_WHITESPACE.get(char, WORD_START if char == " " else char) for char in text)


def vocabulary_display_texts(tokenizer: PreTrainedTokenizerBase, vocab_size: int) -> list[str]:
    """Display text for every row of the embedding matrix, special tokens kept as they are."""
    raw_tokens = tokenizer.convert_ids_to_tokens(list(range(vocab_size)))
    special = set(tokenizer.all_special_tokens)
    readable = None
    if uses_byte_level_bpe(tokenizer):
        readable = readable_byte_level
    elif uses_sentencepiece(tokenizer):
        readable = readable_sentencepiece
    texts = []
    for token_id, token in enumerate(raw_tokens):
        if token is None:
            texts.append(f"[id {token_id}]")
        elif token in special or readable is None:
            texts.append(token)
        else:
            texts.append(readable(token))
    return texts
