"""Run the corpus through the real bot: signed Slack requests -> Bolt over HTTP -> gateway -> sandbox.

Two paths, as operators use them: the message shortcut on the customer's message (`shortcut`), and
`/billing EMAIL the customer's words` (`command`). The card's suggestion is read back from what the
bot posted: the primary classify button, or "none" with the unread-language note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from billing.gateway import StripeGateway
from billing.sandbox import SandboxServer
from messages.ids import ActionId, ButtonValue
from tests.corpus.builder import UNREAD, BuiltCorpus, CorpusCase
from tests.e2e.slack_harness import SlackHarness, running_bot

PATHS = ("shortcut", "command")
NONE = "none"
LABELS = ("duplicate", "team", "failed_payment", "missing_self_serve", "product_failure", UNREAD, NONE)


@dataclass
class Outcome:
    path: str
    results: list[tuple[CorpusCase, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(case.expected == got for case, got in self.results) / len(self.results)

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter((case.expected, got) for case, got in self.results)

    def misses(self) -> list[tuple[CorpusCase, str]]:
        return [(case, got) for case, got in self.results if case.expected != got]


@contextmanager
def bots_for(corpus: BuiltCorpus) -> Iterator[dict[str, SlackHarness]]:
    """One running bot per sandbox (keyed by the sandbox's base URL)."""
    with ExitStack() as stack:
        bots: dict[str, SlackHarness] = {}
        for _, server, _ in corpus.entries:
            if server.base_url not in bots:
                bots[server.base_url] = stack.enter_context(running_bot(_gateway(stack, server)))
        yield bots


def _gateway(stack: ExitStack, server: SandboxServer) -> StripeGateway:
    gateway = StripeGateway(server.api_key, api_base=server.base_url, max_retries=0, timeout_seconds=10)
    stack.callback(gateway.close)
    return gateway


def run_path(corpus: BuiltCorpus, bots: dict[str, SlackHarness], path: str) -> Outcome:
    outcome = Outcome(path)
    for case, server, _ in corpus.entries:
        outcome.results.append((case, suggestion_through(bots[server.base_url], case, path)))
    return outcome


def suggestion_through(bot: SlackHarness, case: CorpusCase, path: str) -> str:
    bot.standin.reset()
    if path == "shortcut":
        bot.message_shortcut(case.text())
    else:
        bot.slash_command(f"{case.email} {case.words()}")
    [post] = bot.standin.wait_for("chat.postMessage", timeout=10)
    bot.wait_idle()
    return suggested(post.args.get("blocks") or [])


def suggested(blocks: list[dict[str, Any]]) -> str:
    for block in blocks:
        for element in block.get("elements") or []:
            if element.get("action_id") == ActionId.CLASSIFY and element.get("style") == "primary":
                return ButtonValue.decode(element["value"]).bucket or NONE
    text = str(blocks)
    return UNREAD if "I read English only" in text else NONE


def confusion_table(outcome: Outcome) -> str:
    """Rows: expected; columns: suggested."""
    short = {label: label.replace("_", " ")[:9] for label in LABELS}
    matrix = outcome.confusion()
    corner = "expected / got"
    header = f"{corner:<20}" + "".join(f"{short[label]:>11}" for label in LABELS)
    rows = [header]
    for expected in LABELS:
        if not any(matrix[(expected, got)] for got in LABELS):
            continue
        rows.append(f"{short[expected]:<20}" + "".join(f"{matrix[(expected, got)]:>11}" for got in LABELS))
    return "\n".join(rows)
