"""Reading the one-page report's HTML back in tests: its tables' cell texts and its text."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["tables", "page_text"]


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.depth = 0
        self.cell: list[str] | None = None
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "svg"):
            self.skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "span" and self.cell is not None:
            self.cell.append("|")          # a delta under a value: "value|delta"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "svg"):
            self.skip -= 1
        elif tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def tables(html: str) -> list[list[list[str]]]:
    """Every table of the page: rows of cell texts (a cell's value and the delta printed
    under it are joined by ``|``)."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def page_text(html: str) -> str:
    """The page's visible text outside the charts, unescaped, joined by spaces."""
    parser = _Tables()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())
