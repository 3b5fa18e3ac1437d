"""Every relative link in README.md and docs/*.md resolves on GitHub (session 33 split the README into
docs/): the file exists, and an anchor (`file.md#part`, `#part`) names a heading of that file by GitHub's
rule (lower case; letters, digits, spaces, '-' and '_' kept, the rest dropped; spaces become '-'; a
repeated heading gets -1, -2, ...; as github-slugger does it), or an HTML anchor `<a id="part"></a>` set before a
paragraph's bold lead (session 33: "*On a laptop with 8 GB of memory*" is such a paragraph, not a heading)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"\s*>")
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where `](` is not a link."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: markup characters are punctuation and go too."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    out.update(HTML_ANCHOR.findall(INLINE_CODE.sub("", text)))  # <a id="x"></a> before a paragraph's bold lead
    for line in text.splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(paths, root: Path = ROOT) -> list[str]:
    bad = []
    for path in paths:
        for target in LINK.findall(_prose(path.read_text(encoding="utf-8"))):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:: not checked here
                continue
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(root)}: ({target})"
            if not dest.exists():
                bad.append(f"{where}: no file {file_part}")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                bad.append(f"{where}: {dest.name} has no heading with anchor #{anchor}")
    return bad


def test_slug_follows_github_rule():
    assert slug("Flights: drone video, timed photos, a track (GPX/KML)") == \
        "flights-drone-video-timed-photos-a-track-gpxkml"
    assert slug("Where it still fails, plainly") == "where-it-still-fails-plainly"
    assert slug("Data and credits") == "data-and-credits"


def test_every_relative_link_and_anchor_resolves():
    assert len(DOCS) > 1  # README.md and docs/*.md
    assert broken_links(DOCS) == []


def test_a_broken_link_or_anchor_is_found(tmp_path):
    (tmp_path / "a.md").write_text("# Part one\n\n## Part one\n\nsee [b](b.md#part-one-1) and [c](#part-one-1)\n",
                                   encoding="utf-8")
    (tmp_path / "b.md").write_text("# Part one\n\nsee [a](a.md#no-such-part), [gone](gone.md), `[x](y.md)`, "
                                   "[lead](#a-lead)\n\n<a id=\"a-lead\"></a>**A lead** text\n",
                                   encoding="utf-8")
    assert broken_links([tmp_path / "a.md", tmp_path / "b.md"], tmp_path) == [
        "a.md: (b.md#part-one-1): b.md has no heading with anchor #part-one-1",
        "b.md: (a.md#no-such-part): a.md has no heading with anchor #no-such-part",
        "b.md: (gone.md): no file gone.md"]


def test_the_readme_links_every_docs_file():
    """Every reference file moved out of the README is reachable from it."""
    linked = {(ROOT / t.partition("#")[0]).resolve()
              for t in LINK.findall(_prose((ROOT / "README.md").read_text(encoding="utf-8"))) if t.startswith("docs/")}
    unlinked = [p.name for p in DOCS[1:] if p.resolve() not in linked]
    assert unlinked == []
