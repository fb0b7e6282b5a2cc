"""The demo's transcript: numbered steps, the bot's words, and what it posted, indented under the step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

INDENT = "    "

Block = dict[str, Any]


@dataclass
class Transcript:
    out: TextIO
    steps: int = 0

    def step(self, title: str) -> None:
        self.steps += 1
        print(f"\n── {self.steps}. {title}", file=self.out)

    def say(self, line: str) -> None:
        print(line, file=self.out)

    def show(self, text: str) -> None:
        """What the bot posted, indented under the step."""
        for line in text.rstrip("\n").splitlines():
            print(f"{INDENT}{line}".rstrip(), file=self.out)


def new_blocks(before: Sequence[Block], after: Sequence[Block]) -> list[Block]:
    """The blocks an update added: what the operator's eye goes to when a card changes."""
    return [block for block in after if block not in before]
