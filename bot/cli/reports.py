"""`billing-bot digest [--post] [--json]`, `billing-bot plans [--json]`, `billing-bot portal-check [--json]`."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from billing.errors import ConfigError
from billing.reports import DigestRun
from bot.cli.sandbox_loader import demo_sandbox
from bot.config import load_settings
from bot.scheduler import Post, chat_poster, post_daily_digest
from bot.services import Services, build_services
from bot.slack_client import build_slack_client
from messages.digest import digest_text
from messages.reports import plans_text, portal_text


def register(subcommands: argparse._SubParsersAction) -> None:
    digest = subcommands.add_parser("digest", help="the churn-risk digest (a preview unless --post)")
    digest.add_argument("--post", action="store_true", help="post it to DIGEST_CHANNEL (once per day)")
    plans = subcommands.add_parser("plans", help="plan mix: MRR by product and price, intervals, seats")
    portal = subcommands.add_parser("portal-check", help="self-serve audit of the billing portal")
    for parser, handler in ((digest, run_digest), (plans, run_plans), (portal, run_portal_check)):
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.add_argument(
            "--sandbox", action="store_true", help="run against an in-process, demo-seeded Stripe sandbox"
        )
        parser.set_defaults(handler=handler)


# --- services -----------------------------------------------------------------------------------


@contextmanager
def report_services(args: argparse.Namespace) -> Iterator[Services]:
    if not getattr(args, "sandbox", False):
        yield build_services(load_settings())
        return
    if getattr(args, "post", False):
        # Demo data must never reach a real channel, nor use up the real day's slot.
        raise ConfigError("--post cannot be combined with --sandbox: the sandbox's demo data is never posted")
    with demo_sandbox() as sandbox, tempfile.TemporaryDirectory(prefix="billing-ops-sandbox-") as scratch:
        settings = load_settings(
            stripe_api_key=sandbox.api_key,
            stripe_api_base=sandbox.base_url,
            billing_db=Path(scratch) / "sandbox.db",
            slack_bot_token=None,
        )
        yield build_services(settings)


def progress_printer(stream: TextIO) -> Callable[[int], None] | None:
    """A counter on stderr for people watching; nothing when stderr is a file or a pipe."""
    if not stream.isatty():
        return None

    def show(count: int) -> None:
        stream.write(f"\rscanned {count} subscriptions…")
        stream.flush()

    return show


def _end_progress(stream: TextIO) -> None:
    if stream.isatty():
        stream.write("\r\033[K")
        stream.flush()


# --- commands -----------------------------------------------------------------------------------


def run_digest(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    with report_services(args) as services:
        progress = progress_printer(err)
        redact = services.settings.billing_redact_digest
        day = services.reports.digest_day()
        if args.post:
            result = post_daily_digest(services, slack_poster(services), progress=progress)
            _end_progress(err)
            if not result.posted:
                print(not_posted_text(services.settings.digest_channel or "", result), file=err)
                return 0
            assert result.digest is not None
            digest = result.digest
            print(f"Posted to {services.settings.digest_channel} (ts {result.message_ts}).", file=err)
        else:
            digest = services.reports.digest(
                channel=services.settings.digest_channel, day=day, progress=progress
            )
            _end_progress(err)
        if args.json:
            exclude: Any = {"rows": {"__all__": {"customer_email"}}} if redact else None
            json.dump(digest.model_dump(mode="json", exclude=exclude), out, indent=2, sort_keys=True)
            out.write("\n")
        else:
            print(digest_text(digest, redact=redact, day=day.isoformat()), file=out)
    return 0


def not_posted_text(channel: str, result: DigestRun) -> str:
    if result.unfinished_since is None or result.retry_after is None:
        return f"A digest was already posted to {channel} for {result.day}."
    return (
        f"A digest run for {channel} on {result.day} started at {result.unfinished_since:%H:%M} UTC and has not "
        f"posted. If it is still running, it will; if it died, run this again after "
        f"{result.retry_after:%H:%M} UTC."
    )


def run_plans(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    with report_services(args) as services:
        mix = services.reports.plan_mix(progress=progress_printer(err))
        _end_progress(err)
        if args.json:
            json.dump(mix.model_dump(mode="json"), out, indent=2, sort_keys=True)
            out.write("\n")
        else:
            print(plans_text(mix), file=out)
    return 0


def run_portal_check(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    with report_services(args) as services:
        audit = services.reports.portal_audit()
        if args.json:
            json.dump(audit.model_dump(mode="json"), out, indent=2, sort_keys=True)
            out.write("\n")
        else:
            print(portal_text(audit), file=out)
    return 0


def slack_poster(services: Services) -> Post:
    settings = services.settings
    settings.require("SLACK_BOT_TOKEN", "DIGEST_CHANNEL")
    assert settings.slack_bot_token is not None
    return chat_poster(
        build_slack_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    )
