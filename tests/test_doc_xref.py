"""A part of the documentation named in words resolves (session 33 moved the README's reference text into
docs/*.md, so "see *Outputs*", "*Flights* below" or a comment's "README, *On a laptop with 8 GB*" could point
into another file or at nothing). A heuristic, not a reading: it checks the forms below and nothing else.

- Documents (README.md, docs/*.md): a part is a heading or a bold lead (`**Name**` opening a line, a list
  item or a table cell). An *italic* or "quoted" name followed by "above" or "below" must name a part of
  its own file; an *italic* name of a part of another file (and of none of its own) must be a link, or its
  line must link that file. A name matches a part whose text starts with it, case ignored ("*Flights*"
  matches "Flights: drone video, ...").
- Code (geolocator/**/*.py, training/*.py; not training/results, which are history): "README, *Name*",
  'README "Name"' or "README *Name*" must name a part of README.md, and "docs/FILE.md: Name" (or ", *Name*")
  a part of that file, which must exist.
Not checked: plain-word references ("the table above", "session 7, below"), names split over two lines,
and whether a matched part is the one meant."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from .test_doc_links import DOCS, FENCE, INLINE_CODE, ROOT

LINK_TEXT = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)[^)]*\)")
ITALIC = re.compile(r"(?<![*\w])\*([A-Z\"][^*\n]{2,80}?)\*(?![*\w])")
QUOTED = re.compile(r"\"([A-Z][^\"\n]{2,80}?)\"")
NEAR = re.compile(r"\s*,?\s*(above|below)\b")
BOLD_LEAD = re.compile(r"(?:^|^\s*[-*]\s+|\|\s*)(?:<a [^>\n]*></a>)?\*\*([^*]{2,200}?)\*\*", re.M)


def _prose(text: str) -> str:
    """The text without code (fenced blocks become blank lines, so line numbers hold)."""
    return INLINE_CODE.sub("", FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text))


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip(" .:,;*\"").lower())


def parts(text: str) -> tuple[set[str], set[str]]:
    """(headings, bold leads) of a Markdown text, normalised; code blocks left out."""
    text = FENCE.sub("", text)
    heads = {_norm(m) for m in re.findall(r"^#{1,6}\s+(.*?)\s*#*\s*$", text, re.M)}
    return heads, {_norm(m) for m in BOLD_LEAD.findall(text)}


def _names(name: str, found: set[str]) -> bool:
    key = _norm(name)
    return any(p == key or p.startswith(key) for p in found)


def doc_problems(texts: dict[str, str]) -> list[str]:
    """texts: {relative path: Markdown}. Each problem as 'path:line: what'."""
    all_parts = {name: parts(text) for name, text in texts.items()}
    out = []
    for name, text in texts.items():
        own = set().union(*all_parts[name])
        here = posixpath.dirname(name)
        for n, line in enumerate(_prose(text).splitlines(), 1):
            linked = {posixpath.normpath(posixpath.join(here, t.partition("#")[0])) if t.partition("#")[0] else name
                      for t in LINK_TEXT.findall(line)}
            bare = LINK_TEXT.sub("", line)  # a name inside a link's text is resolved by test_doc_links
            for rx in (ITALIC, QUOTED):
                for m in rx.finditer(bare):
                    near = NEAR.match(bare, m.end())
                    if near and not _names(m.group(1), own):
                        out.append(f"{name}:{n}: {m.group(0)} {near.group(1)}: no such part in {name}")
            for m in ITALIC.finditer(bare):
                if _names(m.group(1), own):
                    continue
                homes = sorted(other for other, (h, b) in all_parts.items()
                               if other != name and _names(m.group(1), h | b))
                if homes and not linked & set(homes):
                    out.append(f"{name}:{n}: {m.group(0)} is a part of {', '.join(homes)}: link it")
    return out


def _resolve(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def test_named_parts_in_the_docs_resolve():
    texts = {_resolve(p): p.read_text(encoding="utf-8") for p in DOCS}
    assert doc_problems(texts) == []


def test_a_name_in_another_file_is_found():
    texts = {
        "README.md": "# Tool\n\n## Quick start\n\nsee *Quick start* above, [*Outputs*](docs/out.md)\n",
        "docs/out.md": "# Outputs\n\n**Evidence to publish** (session 22)\n\nsee *Quick start* below and "
                       "*Evidence to publish* above\n",
        "docs/app.md": "# The app\n\nsee *Evidence to publish* ([out](out.md)), *Automatic*, \"Large tile sets\" "
                       "below\n\nsee *Outputs*\n",
    }
    assert doc_problems(texts) == [
        "docs/out.md:5: *Quick start* below: no such part in docs/out.md",
        "docs/out.md:5: *Quick start* is a part of README.md: link it",
        "docs/app.md:3: \"Large tile sets\" below: no such part in docs/app.md",
        "docs/app.md:5: *Outputs* is a part of docs/out.md: link it",
    ]


CODE_README = re.compile(r"README\W{0,4}?[*\"]([A-Z][^*\"\n]{2,80})[*\"]")
CODE_DOCS = re.compile(r"docs/([\w-]+\.md)[,:]\s*(?:\*([^*\n]+)\*|\"([^\"\n]+)\"|([A-Z][A-Za-z0-9 ]+))")


def code_problems(sources: dict[str, str], docs: dict[str, str]) -> list[str]:
    """sources: {path: Python text}; docs: {'README.md' / 'docs/x.md': Markdown}."""
    out = []
    for path, text in sources.items():
        for n, line in enumerate(text.splitlines(), 1):
            for m in CODE_README.finditer(line):
                if not _names(m.group(1), set().union(*parts(docs["README.md"]))):
                    out.append(f"{path}:{n}: README has no part {m.group(1)!r}")
            for m in CODE_DOCS.finditer(line):
                doc = f"docs/{m.group(1)}"
                name = next(g for g in m.groups()[1:] if g)
                if doc not in docs:
                    out.append(f"{path}:{n}: no file {doc}")
                elif not _names(name, set().union(*parts(docs[doc]))):
                    out.append(f"{path}:{n}: {doc} has no part {name.strip()!r}")
    return out


def test_code_citing_a_part_of_the_docs_names_one_that_exists():
    sources = {_resolve(p): p.read_text(encoding="utf-8")
               for p in [*sorted((ROOT / "geolocator").rglob("*.py")), *sorted((ROOT / "training").glob("*.py"))]}
    docs = {_resolve(p): p.read_text(encoding="utf-8") for p in DOCS}
    assert len(sources) > 50
    assert code_problems(sources, docs) == []


def test_a_code_citation_of_a_missing_part_is_found():
    docs = {"README.md": "# Tool\n\n## Outputs\n", "docs/large.md": "# Large\n\n**On a laptop with 8 GB** (s29)\n"}
    sources = {"a.py": '# (README, *Outputs*) and (README, *On a laptop with 8 GB*)\n'
                       'x = "see docs/large.md, *On a laptop with 8 GB*; docs/gone.md: Thermal photos"\n'
                       '# docs/large.md: Feature store; README "Results"\n'}
    assert code_problems(sources, docs) == [
        "a.py:1: README has no part 'On a laptop with 8 GB'",
        "a.py:2: no file docs/gone.md",
        "a.py:3: README has no part 'Results'",
        "a.py:3: docs/large.md has no part 'Feature store'",
    ]
