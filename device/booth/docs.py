"""The README's generated sections, so the README always says what the code does."""

from __future__ import annotations

import re
import sys
from importlib import resources
from pathlib import Path

from booth.config import settings_table


def settings_markdown() -> str:
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    rows += [f"| `{key}` | `{default}` | {doc} |" for key, default, doc in settings_table()]
    return "\n".join(rows)


def topics_markdown() -> str:
    text = resources.files("booth.mqtt").joinpath("TOPICS.md").read_text(encoding="utf-8")
    return re.sub(r"^## MQTT topics\n+", "", text).strip()


SECTIONS = {"settings": settings_markdown, "topics": topics_markdown}


def render(readme: str) -> str:
    """``readme`` with every <!-- begin:NAME --> ... <!-- end:NAME --> section regenerated."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- begin:{name} -->\n).*?(<!-- end:{name} -->)", re.S)
        readme = pattern.sub(lambda m: m.group(1) + make() + "\n" + m.group(2), readme)
    return readme


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
