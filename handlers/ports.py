"""What the listeners need from the assembled app, as Protocols handlers own: bot.services.Services
satisfies them, so handlers never import bot (the layers run bot -> handlers -> billing, messages)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from billing.actions import ActionService
from billing.cases import CaseService
from billing.clock import Clock
from billing.lookup import LookupService
from billing.outbox import Outbox
from billing.reports import ReportService
from billing.store import Store

if TYPE_CHECKING:
    from handlers.work import WorkLanes


class Settings(Protocol):
    @property
    def billing_channels(self) -> list[str]: ...

    @property
    def digest_channel(self) -> str | None: ...

    @property
    def billing_redact_digest(self) -> bool: ...

    def may_view_reports(self, user_id: str) -> bool: ...


class Services(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...  # the read side's access audit (handlers/access.py)

    @property
    def clock(self) -> Clock: ...

    @property
    def lookup(self) -> LookupService: ...

    @property
    def actions(self) -> ActionService: ...

    @property
    def reports(self) -> ReportService: ...

    @property
    def cases(self) -> CaseService: ...

    @property
    def work(self) -> WorkLanes: ...

    @property
    def outbox(self) -> Outbox: ...
