"""User text is data: strings from files, uploads and links shown exactly as typed.

Streamlit renders alerts, captions, labels and ``st.markdown`` as Markdown: links,
images, emphasis, ``:red[…]`` colour directives, ``:material/…:`` icons, LaTeX
``$…$``, and it turns bare URLs into live links even when their punctuation is
backslash-escaped (tests/e2e/test_user_text.py saw it). So user text never goes
into Markdown as prose:

* on its own (a scenario's name, its description) it is drawn with ``st.text``,
  which Streamlit never parses;
* inside one of our messages (a link's value, an uploaded file's name, a field
  path or value in a problem list) it becomes an inline code span
  (:func:`md_text`), in which Markdown recognises no link, image, emphasis,
  directive or formula.

Plain-text places (selectbox options, table cells, chart titles) take the raw string.
"""

from __future__ import annotations

import re

from sim.schema import UNSHOWN_CHARS

__all__ = ["md_text", "plain_text", "MAX_SHOWN_CHARS"]

MAX_SHOWN_CHARS = 4000
"""Longest user string shown (a scenario description may have 4,000 characters)."""

_NEWLINES = re.compile(r"\r\n?|\n")
_BACKTICKS = re.compile(r"`+")


def plain_text(text: object, max_chars: int = MAX_SHOWN_CHARS) -> str:
    """``text`` for ``st.text``: control characters and bidirectional overrides (the CLI's
    :data:`sim.schema.UNSHOWN_CHARS`) as U+FFFD, line breaks kept, tabs as spaces, cut to
    ``max_chars`` (with an ellipsis)."""
    raw = str(text)
    if len(raw) > max_chars:
        raw = raw[:max_chars] + "…"
    lines = _NEWLINES.sub("\n", raw).replace("\t", " ").split("\n")
    return "\n".join(UNSHOWN_CHARS.sub("\ufffd", line) for line in lines)


def md_text(text: object, max_chars: int = MAX_SHOWN_CHARS) -> str:
    """``text`` as an inline code span for a Markdown element, shown literally.

    The fence is one backtick longer than the longest run of backticks in the text, and
    padded with a space when the text starts or ends with a backtick or a space
    (CommonMark strips one space on each side), so every character shows as typed.
    """
    raw = plain_text(text, max_chars).replace("\n", " ")
    if not raw:
        return "“”"
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(raw)), default=0) + 1)
    pad = " " if raw[0] in "` " or raw[-1] in "` " else ""
    return f"{fence}{pad}{raw}{pad}{fence}"
