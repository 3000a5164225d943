"""HTML mail bodies to plain text that the body-line parsers can read.

html2text writes Markdown; mailbot wants plain lines. Emphasis, links and images are
dropped, nothing is wrapped, Markdown escapes are undone, and tables come out as one
line per row with cells joined by " | " (for example `SKU | Qty` then `ABC-1 | 5`).
Quoted mail in <blockquote> comes out as "> " lines, which quote stripping removes.
"""

from __future__ import annotations

import html
import re

import html2text

# html2text escapes these after a backslash (and "-", "+", "1." at a line start); it
# doubles real backslashes before them, so undoing the escape is exact.
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+.!-])")
# html2text puts "---|---" under a table's first row (or "---" for a one-column table).
_TABLE_RULE = re.compile(r"^\s*:?-{3,}:?(?:\s*\|\s*:?-{3,}:?)*\s*$")
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:p|div|tr|li|h\d|table)\s*>|<br\s*/?>", re.IGNORECASE)


def html_to_text(markup: str) -> str:
    """The text of an HTML body, one line per paragraph, table row or line break."""
    try:
        text = _converter().handle(markup)
    except Exception:  # html2text on hostile markup is third-party code; fall back to tags out
        text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", markup)))
        return _tidy(text.splitlines())
    text = _MARKDOWN_ESCAPE.sub(r"\1", text.replace("\xa0", " "))
    return _tidy(_table_rows(text.splitlines()))


def _converter() -> html2text.HTML2Text:
    # A new converter per body: HTML2Text keeps parsing state between calls.
    converter = html2text.HTML2Text()
    converter.body_width = 0  # never wrap: a wrapped table row or order line is two lines
    converter.ignore_emphasis = True  # "**ABC-1**" would hide the SKU
    converter.ignore_links = True
    converter.ignore_images = True
    converter.unicode_snob = True  # keep "—", "€", "№" instead of ASCII stand-ins
    converter.pad_tables = False
    return converter


def _table_rows(lines: list[str]) -> list[str]:
    """Rewrite html2text table rows as "cell | cell" and drop the "---|---" rules."""
    rows: set[int] = set()
    rules: set[int] = set()
    scanned = 0  # rows up to here are known: never rescan them (hostile input, many rules)
    for index, line in enumerate(lines):
        if not _TABLE_RULE.match(line) or index == 0 or not lines[index - 1].strip():
            continue
        rules.add(index)
        rows.add(index - 1)
        following = max(index + 1, scanned)
        while following < len(lines) and "|" in lines[following]:
            rows.add(following)
            following += 1
        scanned = following
    out: list[str] = []
    for index, line in enumerate(lines):
        if index in rules:
            continue
        if index in rows:
            line = " | ".join(cell.strip() for cell in line.split("|")).strip()
        out.append(line)
    return out


def _tidy(lines: list[str]) -> str:
    """Trailing spaces off every line (html2text ends line breaks with two) and blank ends."""
    return "\n".join(line.rstrip() for line in lines).strip("\n")
