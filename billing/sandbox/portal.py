"""Customer portal: configurations (the first one created is the default) and sessions with a URL."""

from __future__ import annotations

import secrets
from typing import Any

from billing.sandbox.encoding import Params, as_bool, as_metadata, as_str
from billing.sandbox.errors import invalid_request, missing_param, not_implemented_value
from billing.sandbox.events import changed, emit
from billing.sandbox.listing import page
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

FLOW_TYPES = ("payment_method_update", "subscription_cancel")
AFTER_COMPLETION = ("hosted_confirmation", "portal_homepage", "redirect")
NO_RETURN_URL = (
    "You must provide a return_url, or set a default return URL (default_return_url) on the customer portal "
    "configuration."
)
NO_DEFAULT_CONFIGURATION = (
    "You can't create a portal session in test mode until you save your customer portal settings in test mode "
    "at https://dashboard.stripe.com/test/settings/billing/portal."
)


def _features(requested: Any) -> Json:
    requested = requested if isinstance(requested, dict) else {}

    def enabled(name: str) -> bool:
        section = requested.get(name)
        return as_bool(section, "enabled") if isinstance(section, dict) else False

    cancel = (
        requested.get("subscription_cancel") if isinstance(requested.get("subscription_cancel"), dict) else {}
    )
    return {
        "customer_update": {"allowed_updates": [], "enabled": enabled("customer_update")},
        "invoice_history": {"enabled": enabled("invoice_history")},
        "payment_method_update": {
            "enabled": enabled("payment_method_update"),
            "payment_method_configuration": None,
        },
        "subscription_cancel": {
            "cancellation_reason": {"enabled": False, "options": []},
            "enabled": enabled("subscription_cancel"),
            "mode": as_str(cancel, "mode") or "at_period_end",
            "proration_behavior": as_str(cancel, "proration_behavior") or "none",
        },
        "subscription_update": {
            "default_allowed_updates": [],
            "enabled": enabled("subscription_update"),
            "proration_behavior": "none",
            "schedule_at_period_end": {"conditions": []},
            "trial_update_behavior": "end_trial",
            "billing_cycle_anchor": None,
        },
    }


def _merged_features(current: Json, requested: Any) -> Json:
    """An update changes only the features (and their fields) it names, as in Stripe."""
    requested = requested if isinstance(requested, dict) else {}
    merged = dict(current)
    for name, section in requested.items():
        if not isinstance(section, dict) or name not in merged:
            continue
        updated = dict(merged[name])
        if "enabled" in section:
            updated["enabled"] = as_bool(section, "enabled")
        for key in ("mode", "proration_behavior"):
            if key in section and key in updated:
                updated[key] = as_str(section, key)
        merged[name] = updated
    return merged


def create_configuration(call: Call) -> Json:
    state, params = call.state, call.params
    now = state.now()
    configuration = new_object(
        "billing_portal.configuration",
        {
            "id": new_id("bpc"),
            "active": True,
            "application": None,
            "business_profile": _business_profile(params),
            "created": now,
            "default_return_url": as_str(params, "default_return_url"),
            "features": _features(params.get("features")),
            "is_default": not state.all("billing_portal.configuration"),
            "login_page": {"enabled": False, "url": None},
            "metadata": as_metadata(params) or {},
            "name": as_str(params, "name"),
            "updated": now,
        },
    )
    state.add(configuration)
    emit(state, "billing_portal.configuration.created", configuration)
    return present(state, configuration, call.expand)


def _business_profile(params: Params) -> Json:
    raw = params.get("business_profile")
    profile: Params = raw if isinstance(raw, dict) else {}
    return {
        "headline": as_str(profile, "headline"),
        "privacy_policy_url": as_str(profile, "privacy_policy_url"),
        "terms_of_service_url": as_str(profile, "terms_of_service_url"),
    }


def update_configuration(call: Call) -> Json:
    configuration = call.state.get("billing_portal.configuration", call.arg("id"))
    before = dict(configuration)
    if "features" in call.params:
        configuration["features"] = _merged_features(configuration["features"], call.params["features"])
    if "active" in call.params:
        configuration["active"] = as_bool(call.params, "active")
    if "default_return_url" in call.params:
        configuration["default_return_url"] = as_str(call.params, "default_return_url")
    configuration["updated"] = call.state.now()
    emit(call.state, "billing_portal.configuration.updated", configuration, changed(before, configuration))
    return present(call.state, configuration, call.expand)


def retrieve_configuration(call: Call) -> Json:
    return present(call.state, call.state.get("billing_portal.configuration", call.arg("id")), call.expand)


def list_configurations(call: Call) -> Json:
    params = call.params

    def keep(configuration: Json) -> bool:
        for key in ("is_default", "active"):
            if key in params and configuration[key] != as_bool(params, key):
                return False
        return True

    found = [c for c in call.state.all("billing_portal.configuration") if keep(c)]
    return page(call.state, found, params, "/v1/billing_portal/configurations")


def create_session(call: Call) -> Json:
    state, params = call.state, call.params
    customer_id = as_str(params, "customer")
    if customer_id is None:
        raise missing_param("customer")
    customer = state.get("customer", customer_id, param="customer")
    configuration = _configuration_for(state, as_str(params, "configuration"))
    return_url = as_str(params, "return_url") or configuration["default_return_url"]
    if return_url is None:
        raise invalid_request(NO_RETURN_URL, param="return_url")
    flow = _flow(state, customer, configuration, params.get("flow_data"))
    session_id = new_id("bps")
    session = new_object(
        "billing_portal.session",
        {
            "id": session_id,
            "configuration": configuration["id"],
            "created": state.now(customer["test_clock"]),
            "customer": customer["id"],
            "flow": flow,
            "locale": as_str(params, "locale"),
            "on_behalf_of": None,
            "return_url": return_url,
            "url": f"{state.base_url}/p/session/test_{secrets.token_urlsafe(24)}",
            "customer_account": None,
        },
    )
    state.add(session)
    return present(state, session, call.expand)


def _flow(state: State, customer: Json, configuration: Json, raw: Any) -> Json | None:
    """`flow_data`: a deep link into one portal flow (only payment_method_update and subscription_cancel here)."""
    if raw is None:
        return None
    data: Params = raw if isinstance(raw, dict) else {}
    kind = as_str(data, "type")
    if kind is None:
        raise missing_param("flow_data[type]")
    if kind not in FLOW_TYPES:
        raise not_implemented_value("flow_data[type]", kind)
    feature = configuration["features"][kind]
    if not feature["enabled"]:
        raise invalid_request(
            f"The {kind} flow cannot be used because this feature is disabled in the portal configuration "
            f"({configuration['id']}).",
            param="flow_data[type]",
        )
    cancel = None
    if kind == "subscription_cancel":
        cancel = {"retention": None, "subscription": _cancellable(state, customer, data)}
    return {
        "after_completion": _after_completion(data.get("after_completion")),
        "customer_update": None,
        "subscription_cancel": cancel,
        "subscription_pause": None,
        "subscription_update": None,
        "subscription_update_confirm": None,
        "type": kind,
    }


def _cancellable(state: State, customer: Json, data: Params) -> str:
    section = data.get("subscription_cancel")
    subscription_id = as_str(section, "subscription") if isinstance(section, dict) else None
    param = "flow_data[subscription_cancel][subscription]"
    if subscription_id is None:
        raise missing_param(param)
    subscription = state.get("subscription", subscription_id, param=param)
    if subscription["customer"] != customer["id"]:
        raise invalid_request(
            f"The subscription {subscription_id} does not belong to the customer {customer['id']}.",
            param=param,
        )
    if subscription["status"] in ("canceled", "incomplete_expired"):
        raise invalid_request(f"The subscription {subscription_id} has already been canceled.", param=param)
    return subscription_id


def _after_completion(raw: Any) -> Json:
    data: Params = raw if isinstance(raw, dict) else {}
    kind = as_str(data, "type") or "portal_homepage"
    if kind not in AFTER_COMPLETION:
        raise invalid_request(
            f"Invalid flow_data[after_completion][type]: must be one of {', '.join(AFTER_COMPLETION)}",
            param="flow_data[after_completion][type]",
        )
    redirect: Params = data["redirect"] if isinstance(data.get("redirect"), dict) else {}
    confirmation: Params = (
        data["hosted_confirmation"] if isinstance(data.get("hosted_confirmation"), dict) else {}
    )
    return_url = as_str(redirect, "return_url")
    if kind == "redirect" and return_url is None:
        raise missing_param("flow_data[after_completion][redirect][return_url]")
    return {
        "hosted_confirmation": {"custom_message": as_str(confirmation, "custom_message")}
        if kind == "hosted_confirmation"
        else None,
        "redirect": {"return_url": return_url} if kind == "redirect" else None,
        "type": kind,
    }


def _configuration_for(state: State, configuration_id: str | None) -> Json:
    if configuration_id:
        return state.get("billing_portal.configuration", configuration_id, param="configuration")
    for configuration in state.all("billing_portal.configuration"):
        if configuration["is_default"]:
            return configuration
    raise invalid_request(NO_DEFAULT_CONFIGURATION)


_FEATURES = (
    "features.customer_update.enabled",
    "features.invoice_history.enabled",
    "features.payment_method_update.enabled",
    "features.subscription_cancel.enabled",
    "features.subscription_cancel.mode",
    "features.subscription_cancel.proration_behavior",
    "features.subscription_update.enabled",
)

ROUTES = [
    route(
        "POST",
        "/v1/billing_portal/configurations",
        "billing_portal.ConfigurationCreateParams",
        create_configuration,
        implements=(
            *EXPAND,
            *_FEATURES,
            "business_profile.headline",
            "business_profile.privacy_policy_url",
            "business_profile.terms_of_service_url",
            "default_return_url",
            "metadata",
            "name",
        ),
    ),
    route(
        "GET",
        "/v1/billing_portal/configurations",
        "billing_portal.ConfigurationListParams",
        list_configurations,
        implements=(*PAGINATION, "is_default", "active"),
    ),
    route(
        "GET",
        "/v1/billing_portal/configurations/{id}",
        "billing_portal.ConfigurationRetrieveParams",
        retrieve_configuration,
        implements=EXPAND,
    ),
    route(
        "POST",
        "/v1/billing_portal/configurations/{id}",
        "billing_portal.ConfigurationUpdateParams",
        update_configuration,
        implements=(*EXPAND, *_FEATURES, "active", "default_return_url"),
    ),
    route(
        "POST",
        "/v1/billing_portal/sessions",
        "billing_portal.SessionCreateParams",
        create_session,
        implements=(
            *EXPAND,
            "customer",
            "configuration",
            "locale",
            "return_url",
            "flow_data.type",
            "flow_data.subscription_cancel.subscription",
            "flow_data.after_completion.type",
            "flow_data.after_completion.redirect.return_url",
            "flow_data.after_completion.hosted_confirmation.custom_message",
        ),
    ),
]
