"""`billing-bot audit`: export the append-only audit log, or rank the product gaps that cost tickets."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import load_settings
from bot.services import open_store

COLUMNS = (
    "id",
    "at",
    "actor",
    "event",
    "case_id",
    "customer_id",
    "stripe_ids",
    "stripe_request_id",
    "outcome",
    "detail",
)


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser("audit", help="export the audit log (who did what, with Stripe IDs)")
    parser.add_argument(
        "--since", type=parse_since, help="only entries at or after DATE (YYYY-MM-DD or ISO time)"
    )
    parser.add_argument("--customer", metavar="ID", help="only entries for this Stripe customer ID")
    parser.add_argument("--gaps", action="store_true", help="product gaps ranked by the tickets they caused")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="CSV with a header row")
    output.add_argument("--json", action="store_true", help="one JSON array")
    parser.set_defaults(handler=run)


def parse_since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2025-03-01, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    store = open_store(load_settings())
    if args.gaps:
        write_gaps(store.gap_counts(), out, as_json=args.json)
        return 0
    rows = store.audit_rows(since=args.since, customer_id=args.customer)
    if args.csv:
        write_csv(rows, out)
    elif args.json:
        json.dump([decoded(row) for row in rows], out, indent=2, sort_keys=True)
        out.write("\n")
    else:
        write_table(rows, out)
    return 0


def decoded(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "stripe_ids": json.loads(row["stripe_ids"] or "[]"),
        "detail": json.loads(row["detail"] or "{}"),
    }


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "stripe_ids": " ".join(json.loads(row["stripe_ids"] or "[]"))})


def write_table(rows: list[dict[str, Any]], out: TextIO) -> None:
    if not rows:
        out.write("No audit entries.\n")
        return
    for row in rows:
        ids = " ".join(json.loads(row["stripe_ids"] or "[]"))
        fields = [
            row["at"],
            row["actor"] or "-",
            row["event"],
            row["outcome"] or "-",
            row["case_id"] or "-",
            ids,
        ]
        out.write("  ".join(str(field) for field in fields).rstrip() + "\n")


def write_gaps(counts: list[tuple[str, int]], out: TextIO, *, as_json: bool) -> None:
    if as_json:
        json.dump([{"gap": gap, "tickets": count} for gap, count in counts], out, indent=2)
        out.write("\n")
        return
    if not counts:
        out.write("No product gaps recorded yet.\n")
        return
    width = max(len(str(count)) for _, count in counts)
    for gap, count in counts:
        out.write(f"{count:>{width}} ticket{'s' if count != 1 else ' '}  {gap}\n")
