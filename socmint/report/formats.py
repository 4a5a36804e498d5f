"""docs/formats.md, written from the formats the mappers declare, so the two never disagree."""

from __future__ import annotations

from socmint.sources import formats

INTRO = """# Formats socmint imports

`socmint import PATH...` takes files, folders and zip archives. Each file is cut into raw items
by its content (never its name), each item is kept as evidence, and each is read by the mapper
whose detection rule it meets. `socmint formats` prints this table; this file is generated from
the same declarations (`socmint formats --markdown > docs/formats.md`) and a test keeps it so.

## How files are cut into items

| framing | when (by content) | one item is |
|---|---|---|
| lines | most complete lines of the first 64 KiB are JSON | one non-empty line |
| document | starts with `{` or `[`, not JSON lines | the whole file (up to 1 GiB) |
| ytd | starts with `window.YTD.<name>.part<N> =` | the whole file |
| csv | UTF-8 text in named columns (`,` `;` tab `\\|`) | the header line and one record |
| feed | XML whose root is `<rss>`, `<feed>` or `<rdf:RDF>` | the whole feed |
| file | anything else: images, video, HTML, text | the whole file, kept, not mapped |

A CSV item is the header line, a newline, and the record's bytes exactly as they lie in the file
(a quoted field may span lines); its origin is the record's byte offset and first line. Inside an
X archive (folder or zip), `account.js` beside the other parts names whose tweets they are.

## Data from tools socmint does not know

`socmint import --mapping FILE.toml PATH...` reads CSV or JSON lines with a declared mapping:
see the `generic` rows below and the example in `tests/fixtures/generic/`.

## Formats

Fields listed under "cannot provide" are never in that format: an analysis treats them as
unknown, not as zero or empty.
"""


def markdown() -> str:
    lines = [INTRO.rstrip(), ""]
    current = None
    for platform, f in formats():
        if platform != current:
            lines += ["", f"### {platform}", "",
                      "| format | what | detected by | maps | cannot provide |",
                      "|---|---|---|---|---|"]
            current = platform
        missing = "; ".join(f"{t}: {', '.join(fields)}" for t, fields in
                            f.cannot_provide.items()) or "-"
        lines.append("| " + " | ".join(_cell(x) for x in (
            f"`{f.name}`", f.title, f.detected_by, f.maps, missing)) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")

