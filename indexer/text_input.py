"""Text to analyse as a person gives it: on the command line, on standard input or in an API request.

Both the `journeys` command and the server refuse the same texts: text that is not valid UTF-8, and text
with nothing to see in it (only whitespace, control characters such as NUL, or format characters such as
the zero-width space), which would otherwise be analysed as the model's special tokens alone.
"""

from __future__ import annotations

import sys
import unicodedata

from journeys.indexer.errors import InputError

#: Unicode categories that draw nothing: control (Cc: NUL, escapes) and format (Cf: zero-width space,
#: zero-width joiner, byte-order mark, soft hyphen, direction marks).
INVISIBLE_CATEGORIES = ("Cc", "Cf")
#: What `journeys analyze --text` takes to mean "read standard input".
STDIN_ARGUMENT = "-"


def is_blank(text: str) -> bool:
    """True when `text` holds no character but whitespace, control and format characters."""
    return all(char.isspace() or unicodedata.category(char) in INVISIBLE_CATEGORIES for char in text)


def command_line_text(argument: str) -> str:
    """The text `--text` names: the argument itself, or standard input for "-" (one final line break
    dropped, as `echo` adds it); refuses invalid UTF-8 and blank text with a one-line message."""
    if argument == STDIN_ARGUMENT:
        data = sys.stdin.buffer.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                f"standard input is not valid UTF-8 (byte {error.start} of {len(data)})"
            ) from None
        text = text.removesuffix("\n").removesuffix("\r")
    else:
        text = argument
        try:
            text.encode("utf-8")  # argument bytes that are not UTF-8 arrive as surrogate escapes
        except UnicodeEncodeError as error:
            raise InputError(f"--text is not valid UTF-8 (character {error.start + 1})") from None
    if is_blank(text):
        raise InputError("text is empty: give at least one word")
    return text
