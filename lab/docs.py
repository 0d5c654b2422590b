"""The generated parts of docs/, made from the code so that the docs say what the code does.

    tools/update-docs            rewrite them (python -m lab.docs)
    tools/update-docs --check    list the pages that are stale, exit 1 if any

A page marks each generated part with ``<!-- begin:NAME -->`` and ``<!-- end:NAME -->``;
everything between the two is replaced. `PAGES` says which parts each page holds.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from booth.config import settings_table

DOCS = Path(__file__).resolve().parent.parent / "docs"


def settings_markdown() -> str:
    """Every setting, its default and its docstring, as a table."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    rows += [f"| `{key}` | `{default}` | {doc} |" for key, default, doc in settings_table()]
    return "\n".join(rows)


def topics_markdown() -> str:
    """The MQTT reference kept beside the code that builds the topics (booth/mqtt/TOPICS.md)."""
    text = resources.files("booth.mqtt").joinpath("TOPICS.md").read_text(encoding="utf-8")
    return re.sub(r"^## MQTT topics\n+", "", text).strip()


SECTIONS: dict[str, Callable[[], str]] = {"settings": settings_markdown, "topics": topics_markdown}
PAGES = {"configuration.md": ("settings",), "mqtt.md": ("topics",)}


def render(text: str, names: tuple[str, ...]) -> str:
    """``text`` with the generated parts ``names`` made afresh; each must be marked in it."""
    for name in names:
        pattern = re.compile(rf"(<!-- begin:{name} -->\n).*?(<!-- end:{name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"no <!-- begin:{name} --> ... <!-- end:{name} --> in the page")
        made = SECTIONS[name]()
        text = pattern.sub(lambda m: m.group(1) + made + "\n" + m.group(2), text)
    return text


def _current(docs: Path) -> dict[Path, str]:
    """Each stale page, with the text it should have."""
    wanted = {}
    for name, sections in PAGES.items():
        page = docs / name
        text = page.read_text(encoding="utf-8")
        made = render(text, sections)
        if made != text:
            wanted[page] = made
    return wanted


def stale(docs: Path = DOCS) -> list[Path]:
    """The pages whose generated parts differ from what the code makes now."""
    return list(_current(docs))


def update(docs: Path = DOCS) -> list[Path]:
    """Rewrite the stale pages; returns them."""
    wanted = _current(docs)
    for page, text in wanted.items():
        page.write_text(text, encoding="utf-8")
    return list(wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/update-docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    pages = stale() if args.check else update()
    for page in pages:
        print(f"{'stale' if args.check else 'updated'}: {page.relative_to(DOCS.parent)}")
    return 1 if args.check and pages else 0


if __name__ == "__main__":
    sys.exit(main())
