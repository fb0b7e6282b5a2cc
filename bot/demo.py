"""The offline demo: the real Bolt app, served over HTTP exactly as `billing-bot run --http` serves it, with
the Slack stand-in as its Web API and the demo-seeded Stripe sandbox as Stripe. The demo plays the operator
with requests signed as Slack signs them and prints what the bot posted as a transcript.

Nothing is read from the environment or `.env`: the settings are built here, with fake demo credentials
(held as SecretStr like real ones) and a throwaway SQLite database.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import stripe
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from slack_bolt import App

from billing.action_kinds import button_id
from billing.action_models import ActionKind
from billing.gateway import StripeGateway
from billing.money import format_money
from billing.sandbox import SandboxServer, running_sandbox
from bot.app import build_app
from bot.config import Settings
from bot.demo_transcript import Transcript, new_blocks
from bot.server import ListenerExecutor, serving_in_thread
from bot.services import Services, build_services
from bot.slack_requests import MissingButton, SlackRequests, find_button
from bot.slack_standin import Call, SlackStandIn
from messages.blocks_text import blocks_text, mrkdwn_text
from messages.ids import ActionId, ButtonValue

DEMO_CUSTOMER = "jane@example.com"
DEMO_CHANNEL = "C0BILLINGOPS"
DEMO_OPERATOR = "U0DEMOOPERATOR"
# Shaped like real credentials so the same validation runs; the stand-in accepts only this token.
DEMO_BOT_TOKEN = "xoxb-demo-offline-not-a-real-token"
WAIT_SECONDS = 10

Block = dict[str, Any]


class DemoFailed(Exception):
    """A step did not go as the demo expects; the message is the one-line reason."""


class DemoSettings(Settings):
    """Settings from the constructor only: the operator's environment and `.env` never leak into the demo."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


class SandboxAddress(Protocol):
    """Where a sandbox answers (in this process, or another one: bench/support.py)."""

    @property
    def api_key(self) -> str: ...

    @property
    def base_url(self) -> str: ...


def demo_settings(
    *, slack_api_url: str, sandbox: SandboxAddress, db_path: Path, **overrides: Any
) -> Settings:
    """`overrides` replace any setting (the playground adds operators, a viewer and a digest channel)."""
    values: dict[str, Any] = {
        "slack_bot_token": DEMO_BOT_TOKEN,
        "slack_signing_secret": secrets.token_hex(16),
        "slack_api_url": slack_api_url,
        "stripe_api_key": sandbox.api_key,
        "stripe_api_base": sandbox.base_url,
        "stripe_max_retries": 0,
        "billing_db": db_path,
        "billing_channels": [DEMO_CHANNEL],
        "billing_operators": [DEMO_OPERATOR],
    }
    return DemoSettings(**{**values, **overrides})


# --- the running pieces --------------------------------------------------------------------------


@dataclass
class DemoBot:
    """The bot as Slack would see it (`slack` sends, `standin` records) and the Stripe it talks to."""

    slack: SlackRequests
    standin: SlackStandIn
    services: Services
    executor: ListenerExecutor
    sandbox: SandboxServer
    app: App  # the Bolt app itself (tests may add a listener to see what a request carried)

    def wait_idle(self) -> None:
        """Every listener started so far has returned: its Slack calls and audit rows are done."""
        self.executor.wait_idle(WAIT_SECONDS)
        self.services.work.wait_idle(WAIT_SECONDS)

    def stripe_client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            self.sandbox.api_key, base_addresses={"api": self.sandbox.base_url}, max_network_retries=0
        )

    def stripe_writes(self) -> int:
        return sum(1 for record in self.sandbox.request_log if record.method != "GET")


@contextmanager
def running_demo_bot(**setting_overrides: Any) -> Iterator[DemoBot]:
    with (
        tempfile.TemporaryDirectory(prefix="billing-demo-") as tmp,
        running_sandbox(seed="demo") as sandbox,
        SlackStandIn(port=0, token=DEMO_BOT_TOKEN) as standin,
    ):
        settings = demo_settings(
            slack_api_url=standin.base_url,
            sandbox=sandbox,
            db_path=Path(tmp) / "demo.db",
            **setting_overrides,
        )
        services = build_services(settings)
        executor = ListenerExecutor()
        app = build_app(services, listener_executor=executor)
        assert settings.slack_signing_secret is not None
        try:
            with serving_in_thread(app) as url:
                slack = SlackRequests(
                    url=url,
                    signing_secret=settings.slack_signing_secret.get_secret_value(),
                    response_urls=standin.response_url,
                    user_id=DEMO_OPERATOR,
                    channel_id=DEMO_CHANNEL,
                )
                try:
                    yield DemoBot(slack, standin, services, executor, sandbox, app)
                finally:
                    slack.http.close()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            services.work.shutdown(wait=True)
            if isinstance(services.gateway, StripeGateway):
                services.gateway.close()


def button_label(blocks: Sequence[Block], action_id: str, what: str, **value_fields: str) -> str:
    """The label of the button the operator is about to click; DemoFailed naming `what` if there is none."""
    try:
        button, _ = find_button(list(blocks), action_id, **value_fields)
    except MissingButton:
        offered = ", ".join(_button_labels(blocks)) or "none"
        raise DemoFailed(f"the card offers no {what} button (it offers: {offered})") from None
    return str(button["text"]["text"])


def _button_labels(blocks: Sequence[Block]) -> list[str]:
    return [
        str(element["text"]["text"])
        for block in blocks
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]
        if element.get("type") == "button"
    ]


def blocks_of(call: Call) -> list[Block]:
    return list(call.args.get("blocks") or [])


# --- the flow ------------------------------------------------------------------------------------


def run_demo(out: TextIO, *, customer: str = DEMO_CUSTOMER) -> None:
    """Raise DemoFailed with a one-line reason if any step does not go as expected."""
    transcript = Transcript(out)
    transcript.say(
        "Billing Ops offline demo: the real bot over HTTP, a local Slack stand-in, and the demo-seeded "
        "Stripe sandbox.\nThe demo plays the operator with requests signed as Slack signs them."
    )
    try:
        with running_demo_bot() as bot:
            _flow(bot, transcript, customer)
    except (MissingButton, TimeoutError) as error:
        raise DemoFailed(str(error).splitlines()[0][:300]) from None


def _flow(bot: DemoBot, transcript: Transcript, customer: str) -> None:
    card = _look_up(bot, transcript, customer)
    case_id = _case_id(card)
    options = _classify(bot, transcript, card)
    prompt = _request_cancel(bot, transcript, options)
    _confirm(bot, transcript, prompt)
    _confirm_again(bot, transcript, prompt)
    _audit_trail(bot, transcript, case_id)
    _stripe_check(bot, transcript, customer)
    transcript.say("\nDone: one duplicate cancelled, one charge refunded, once.")


def _look_up(bot: DemoBot, transcript: Transcript, customer: str) -> Call:
    transcript.step(f"/billing {customer}")
    transcript.say(f"The operator types it in the ops channel ({DEMO_CHANNEL}). The bot posts the card:")
    _expect_ack(bot.slack.slash_command(customer).status_code, "/billing")
    [card] = bot.standin.wait_for("chat.postMessage", timeout=WAIT_SECONDS)
    bot.wait_idle()
    transcript.show(blocks_text(blocks_of(card)))
    return card


def _classify(bot: DemoBot, transcript: Transcript, card: Call) -> Call:
    bucket = _suggested_bucket(blocks_of(card))
    label = button_label(blocks_of(card), ActionId.CLASSIFY, "suggested classification", bucket=bucket)
    transcript.step(f"Classify: [ {label} ] (the suggestion)")
    options = _click(bot, card, ActionId.CLASSIFY, bucket=bucket)
    transcript.say("The card now offers, safest first:")
    transcript.show(blocks_text(new_blocks(blocks_of(card), blocks_of(options))))
    return options


def _request_cancel(bot: DemoBot, transcript: Transcript, options: Call) -> Call:
    label = button_label(blocks_of(options), button_id(ActionKind.CANCEL_AND_REFUND), "Cancel duplicate")
    transcript.step(f"[ {label} ]")
    writes = bot.stripe_writes()
    form = _click(bot, options, button_id(ActionKind.CANCEL_AND_REFUND), method="views.update")
    transcript.say("A form asks which one to cancel; the operator keeps the preselection and clicks Review:")
    transcript.show(blocks_text(form.args["view"]["blocks"]))
    prompt = _submit_form(bot, form)
    _expect_no_writes(bot, writes, "the first click")
    transcript.say("Nothing changes in Stripe yet. The bot asks:")
    transcript.show(blocks_text(new_blocks(blocks_of(options), blocks_of(prompt))))
    return prompt


def _confirm(bot: DemoBot, transcript: Transcript, prompt: Call) -> None:
    transcript.step(f"[ {button_label(blocks_of(prompt), ActionId.CONFIRM, 'Confirm')} ]")
    posts = len(bot.standin.calls_to("chat.postMessage"))
    card = _click(bot, prompt, ActionId.CONFIRM)
    handoff = _thread_reply_after(bot, posts)
    transcript.say("The bot re-reads Stripe, cancels and refunds, then replies in the card's thread:")
    transcript.show(blocks_text(blocks_of(handoff)))
    transcript.say("\nand updates the card:")
    transcript.show(blocks_text(blocks_of(card)))


def _confirm_again(bot: DemoBot, transcript: Transcript, prompt: Call) -> None:
    transcript.step("[ Confirm ] again (a double click)")
    writes = bot.stripe_writes()
    answered = len(_answers(bot))
    _expect_ack(bot.slack.click(prompt, ActionId.CONFIRM).status_code, "Confirm")
    bot.wait_idle()
    answers = _answers(bot)[answered:]
    if not answers or "already done" not in answers[-1].lower():
        raise DemoFailed(f"the second Confirm was not refused as already done: {answers or 'no answer'}")
    _expect_no_writes(bot, writes, "the second Confirm")
    transcript.say("Refused, only to the operator: already done; nothing sent to Stripe.")
    transcript.show(mrkdwn_text(answers[-1]))


def _audit_trail(bot: DemoBot, transcript: Transcript, case_id: str) -> None:
    transcript.step(f"Audit trail of case {case_id} (billing-bot audit)")
    for row in bot.services.store.audit_rows(case_id=case_id):
        stripe_ids = " ".join(_json_list(row["stripe_ids"]))
        transcript.show(
            f"{row['at'][:19]}  {row['actor'] or '—':<15} {row['event']:<17} {row['outcome'] or '':<9} {stripe_ids}"
        )


def _stripe_check(bot: DemoBot, transcript: Transcript, email: str) -> None:
    transcript.step(f"Stripe afterwards, read back with stripe-python: {email}")
    client = bot.stripe_client()
    customers = client.v1.customers.list(params={"email": email, "limit": 10}).data
    if len(customers) != 1:
        raise DemoFailed(f"expected one Stripe customer for {email}, found {len(customers)}")
    customer_id = str(customers[0].id)
    subs = client.v1.subscriptions.list(params={"customer": customer_id, "status": "all", "limit": 100}).data
    older, newer = _older_and_newer(sorted(subs, key=lambda sub: sub.created))
    refunds = [
        refund
        for charge in client.v1.charges.list(params={"customer": customer_id, "limit": 100}).data
        for refund in client.v1.refunds.list(params={"charge": str(charge.id), "limit": 100}).data
    ]
    transcript.show(f"older {older.id}: {older.status}")
    transcript.show(f"newer {newer.id}: {newer.status}")
    transcript.show(f"{len(refunds)} refund{'' if len(refunds) == 1 else 's'}: " + _refunds_line(refunds))
    if (older.status, newer.status, len(refunds)) != ("active", "canceled", 1):
        raise DemoFailed(
            "Stripe does not show the newer subscription canceled, the older active and one refund"
        )


# --- helpers -------------------------------------------------------------------------------------


def _click(
    bot: DemoBot, call: Call, action_id: str, method: str = "chat.update", **value_fields: str
) -> Call:
    """Click a button on a message and return what the bot did with `method` (the card updated, by default)."""
    before = len(bot.standin.calls_to(method))
    _expect_ack(bot.slack.click(call, action_id, **value_fields).status_code, action_id)
    return _next(bot, method, before, action_id)


def _submit_form(bot: DemoBot, update: Call) -> Call:
    """Submit the form a views.update put in a modal, as preselected: the card the bot updated."""
    before = len(bot.standin.calls_to("chat.update"))
    form = {**update.args["view"], "id": update.args["view_id"]}
    _expect_ack(bot.slack.submit_form(form).status_code, "the form")
    return _next(bot, "chat.update", before, "the form")


def _next(bot: DemoBot, method: str, before: int, what: str) -> Call:
    bot.wait_idle()
    after = bot.standin.calls_to(method)[before:]
    if not after:
        answers = _answers(bot)
        done = "update the card" if method == "chat.update" else f"call {method}"
        raise DemoFailed(f"{what} did not {done}: {answers[-1] if answers else 'no answer'}")
    return after[-1]


def _thread_reply_after(bot: DemoBot, posts: int) -> Call:
    replies = [
        call for call in bot.standin.calls_to("chat.postMessage")[posts:] if call.args.get("thread_ts")
    ]
    if not replies:
        answers = _answers(bot)
        raise DemoFailed(f"no handoff was posted in the thread: {answers[-1] if answers else 'no answer'}")
    return replies[-1]


def _answers(bot: DemoBot) -> list[str]:
    """What the bot told the operator alone (response_url or ephemeral), in order."""
    calls = [call for call in bot.standin.calls if call.method in ("response_url", "chat.postEphemeral")]
    return [str(call.args.get("text") or "") for call in calls]


def _expect_ack(status: int, what: str) -> None:
    if status != 200:
        raise DemoFailed(f"the bot answered {what} with HTTP {status}")


def _expect_no_writes(bot: DemoBot, before: int, what: str) -> None:
    if bot.stripe_writes() != before:
        raise DemoFailed(f"{what} wrote to Stripe")


def _suggested_bucket(blocks: Sequence[Block]) -> str:
    """The card marks its suggestion as the primary classify button."""
    for block in blocks:
        for element in block.get("elements") or []:
            if element.get("action_id") == ActionId.CLASSIFY and element.get("style") == "primary":
                bucket = ButtonValue.decode(element["value"]).bucket
                if bucket:
                    return bucket
    raise DemoFailed("the card suggests no classification")


def _case_id(card: Call) -> str:
    button, _ = find_button(blocks_of(card), ActionId.CLASSIFY)
    case = ButtonValue.decode(button["value"]).case
    if not case:
        raise DemoFailed("the card's buttons carry no case id")
    return case


def _older_and_newer(subs: Sequence[Any]) -> tuple[Any, Any]:
    if len(subs) != 2:
        raise DemoFailed(f"expected two subscriptions, found {len(subs)}")
    return subs[0], subs[1]


def _refunds_line(refunds: Sequence[Any]) -> str:
    return ", ".join(
        f"{refund.id} {format_money(refund.amount, refund.currency)} of {refund.charge}" for refund in refunds
    )


def _json_list(raw: str | None) -> list[str]:
    return [str(item) for item in json.loads(raw or "[]")]
