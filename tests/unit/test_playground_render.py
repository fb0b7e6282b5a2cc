"""The playground renders Block Kit and mrkdwn as Slack does, and everything from a message as text."""

from __future__ import annotations

from typing import Any

from bot.playground.blockkit import UNSUPPORTED, Entered, blocks_html
from bot.playground.mrkdwn import mrkdwn_html

NAMES = {"U0OLIVIA": "olivia", "C0BILLINGOPS": "billing-ops"}


def test_mrkdwn_formats_bold_italics_strike_code_and_quotes() -> None:
    assert mrkdwn_html("*bold* _it_ ~gone~ `a*b*c`\n&gt; quoted", NAMES) == (
        "<b>bold</b> <i>it</i> <s>gone</s> <code>a*b*c</code><br><blockquote>quoted</blockquote>"
    )


def test_mrkdwn_shows_mentions_as_names_and_keeps_unknown_ids() -> None:
    assert mrkdwn_html("<@U0OLIVIA> in <#C0BILLINGOPS> and <#C0OTHER|other> <@U0NOBODY> <!here>", NAMES) == (
        '<span class="mention user" data-user="U0OLIVIA">@olivia</span> in '
        '<span class="mention channel" data-channel="C0BILLINGOPS">#billing-ops</span> and '
        '<span class="mention channel" data-channel="C0OTHER">#other</span> '
        '<span class="mention user" data-user="U0NOBODY">@U0NOBODY</span> '
        '<span class="mention special">@here</span>'
    )


def test_mrkdwn_links_keep_safe_schemes_only() -> None:
    assert mrkdwn_html("<https://x.test/?a=1&amp;b=2|*the* docs>", NAMES) == (
        '<a href="https://x.test/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">*the* docs</a>'
    )
    assert mrkdwn_html("<javascript:alert(1)|click>", NAMES) == "click"


def test_customer_text_stays_text() -> None:
    hostile = "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;x&lt;/b&gt; &amp;amp; \" ' <@U0X|&lt;img&gt;>"
    rendered = mrkdwn_html(hostile, {})
    assert rendered == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;x&lt;/b&gt; &amp;amp; \" ' "
        '<span class="mention user" data-user="U0X">@&lt;img&gt;</span>'
    )
    assert "\x00" not in mrkdwn_html("a\x000\x00b", {})


def test_a_section_with_fields_and_an_actions_block_with_styles_and_a_confirm() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Jane <Doe>"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*CUSTOMER*"},
            "fields": [{"type": "mrkdwn", "text": "_a_"}, {"type": "plain_text", "text": "*b*"}],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": ":warning: note"}]},
        {"type": "divider"},
        {
            "type": "actions",
            "block_id": "decision",
            "elements": [
                {
                    "type": "button",
                    "action_id": "go",
                    "value": '{"case":"c1"}',
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Refund"},
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Sure?"},
                        "text": {"type": "mrkdwn", "text": "Refund *$20*"},
                        "confirm": {"type": "plain_text", "text": "Yes"},
                        "deny": {"type": "plain_text", "text": "No"},
                        "style": "danger",
                    },
                }
            ],
        },
        {"type": "rich_text"},
    ]
    assert blocks_html(blocks, NAMES) == (
        '<div class="bk-header">Jane &lt;Doe&gt;</div>'
        '<div class="bk-section"><div class="bk-section-body"><div class="bk-text"><b>CUSTOMER</b></div>'
        '<div class="bk-fields"><div class="bk-field"><i>a</i></div><div class="bk-field">*b*</div></div>'
        "</div></div>"
        '<div class="bk-context"><span>\u26a0\ufe0f note</span></div>'
        '<hr class="bk-divider">'
        '<div class="bk-actions"><button class="bk-button bk-danger" type="button" data-action-id="go" '
        'data-block-id="decision" data-value="{&quot;case&quot;:&quot;c1&quot;}">Refund</button>'
        '<template class="bk-confirm"><h2 class="bk-confirm-title">Sure?</h2>'
        '<div class="bk-confirm-text">Refund <b>$20</b></div><div class="bk-confirm-buttons">'
        '<button type="button" class="bk-button bk-default" data-dialog="deny">No</button>'
        '<button type="button" class="bk-button bk-danger" data-dialog="confirm">Yes</button>'
        "</div></template></div>" + UNSUPPORTED
    )


def test_an_input_shows_its_validation_error() -> None:
    block = {
        "type": "input",
        "block_id": "lookup",
        "label": {"type": "plain_text", "text": "Customer"},
        "element": {
            "type": "plain_text_input",
            "action_id": "query",
            "placeholder": {"type": "plain_text", "text": "email"},
        },
    }
    assert blocks_html([block], NAMES, entered=Entered(errors={"lookup": "Enter an email"})) == (
        '<label class="bk-input has-error"><span class="bk-label">Customer</span>'
        '<input type="text" class="bk-text-input" data-block-id="lookup" data-action-id="query" '
        'placeholder="email" value=""><div class="bk-error" role="alert">Enter an email</div></label>'
    )


def test_a_static_select_is_a_select_with_its_initial_option_chosen_and_its_text_escaped() -> None:
    block = {
        "type": "input",
        "block_id": "target",
        "label": {"type": "plain_text", "text": "Subscription to cancel"},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": [
                {"text": {"type": "plain_text", "text": "Original <b>"}, "value": "sub_1"},
                {"text": {"type": "plain_text", "text": "Duplicate"}, "value": "sub_2"},
            ],
            "initial_option": {"text": {"type": "plain_text", "text": "Duplicate"}, "value": "sub_2"},
        },
    }
    assert blocks_html([block], NAMES) == (
        '<label class="bk-input"><span class="bk-label">Subscription to cancel</span>'
        '<select class="bk-select" data-block-id="target" data-action-id="value">'
        '<option value="sub_1">Original &lt;b&gt;</option><option value="sub_2" selected>Duplicate</option>'
        "</select></label>"
    )
