from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from billing.action_models import ActionKind
from billing.models import Bucket
from bot.cli import build_parser
from bot.cli.audit import run
from tests.unit.test_actions_fakes import OPERATOR, World


@pytest.fixture
def world_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    db = tmp_path / "audit.db"
    monkeypatch.setenv("BILLING_DB", str(db))
    return World(db=str(db))


def export(*argv: str) -> str:
    out = io.StringIO()
    assert run(build_parser().parse_args(["audit", *argv]), out=out) == 0
    return out.getvalue()


def test_csv_tells_the_whole_story_of_a_case(world_on_disk: World) -> None:
    world = world_on_disk
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE, suggested=Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    world.service.confirm(nonce, OPERATOR)
    rows = list(csv.DictReader(io.StringIO(export("--csv", "--customer", "cus_kenji"))))
    assert [(row["event"], row["actor"], row["outcome"]) for row in rows] == [
        ("classified", OPERATOR, "ok"),
        ("action_requested", OPERATOR, "pending"),
        ("action_confirmed", OPERATOR, "running"),
        ("action_succeeded", OPERATOR, "success"),
    ]
    assert rows[-1]["stripe_ids"] == "re_1 ch_jp"
    assert json.loads(rows[1]["detail"])["summary"] == "Refund ¥3,000 of ch_jp to Visa •••• 4242?"
    assert export("--csv", "--customer", "cus_nobody").strip() == ",".join(
        [
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
        ]
    )


def test_since_filters_and_json_decodes(world_on_disk: World) -> None:
    world_on_disk.case("cus_jane", Bucket.DUPLICATE)
    assert json.loads(export("--json"))[0]["detail"]["bucket"] == "duplicate"
    assert json.loads(export("--json", "--since", "2025-03-02")) == []


def test_gaps_ranked_by_tickets(world_on_disk: World) -> None:
    world = world_on_disk
    for customer in ("cus_jane", "cus_team"):
        world.service.resolve_without_change(
            world.case(customer, Bucket.DUPLICATE), ActionKind.KEEP_BOTH, OPERATOR
        )
    world.service.resolve_without_change(
        world.case("cus_kenji", Bucket.PRODUCT_FAILURE), ActionKind.NO_ACTION, OPERATOR
    )
    assert export("--gaps") == (
        "2 tickets  No duplicate-subscription guard at checkout\n"
        "1 ticket   A product failure turned into a billing ticket\n"
    )
