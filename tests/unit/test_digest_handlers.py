from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from freezegun import freeze_time

from billing.models import PortalConfiguration
from handlers.middleware import Operator
from handlers.reports import handle, handle_investigate
from messages.ids import ButtonValue
from tests.unit.test_scheduler import services


class Respond:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@freeze_time("2026-03-30 07:00:00")
def test_digest_preview_is_ephemeral_and_claims_nothing(tmp_path: Path) -> None:
    svc, respond = services(tmp_path / "b.db"), cast(Any, Respond())
    handle(svc, "digest", {"user_id": "U1", "channel_id": "C1"}, respond)
    (call,) = respond.calls
    assert call["response_type"] == "ephemeral"
    assert call["text"] == "Churn-risk digest · 2026-03-30: 1 customer at risk, $20.00/mo"
    assert svc.store.db.execute("select count(*) from digest_runs").fetchone()[0] == 0


@freeze_time("2026-03-30 07:00:00")
def test_plans_and_portal_check_answer_ephemerally(tmp_path: Path) -> None:
    svc, respond = services(tmp_path / "b.db"), cast(Any, Respond())
    cast(Any, svc.gateway).portal_configurations = [
        PortalConfiguration(id="bpc_1", is_default=True, active=True, payment_method_update=True,
                            subscription_cancel=False, invoice_history=True, subscription_update=False)
    ]  # fmt: skip
    handle(svc, "plans", {}, respond)
    handle(svc, "portal-check", {}, respond)
    assert [call["response_type"] for call in respond.calls] == ["ephemeral", "ephemeral"]
    assert respond.calls[0]["text"].startswith("Plan mix · 2026-03-30")
    assert "Customers lack: Cancel subscription, Switch plans" in respond.calls[1]["text"]


def test_investigate_without_billing_channels_tells_the_operator(tmp_path: Path) -> None:
    svc = services(tmp_path / "b.db")
    told: list[str] = []

    class Tell(Operator):
        def tell(self, text: str, blocks: Any = None) -> None:
            told.append(text)

    operator = Tell(user_id="U1", client=None)  # type: ignore[arg-type]
    handle_investigate(svc, None, operator, ButtonValue(target="cus_sam"))  # type: ignore[arg-type]
    assert told and "BILLING_CHANNELS" in told[0]
