"""HR's and Admins' webhook pages (subscriptions, delivery log, resend); mail providers' report URLs."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import add_validation_error
from events import selectors, services
from events.forms import ResendForm, SubscriptionForm
from events.models import EVENT_NAMES, WebhookDelivery, WebhookSubscription
from outbox.models import DeliveryStatus

LOG_PAGE_SIZE = 50


def _managers(view):
    def wrapper(request, *args, **kwargs):
        if not selectors.can_manage_webhooks(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return login_required(wrapper)


@_managers
@require_GET
def subscription_list(request):
    """Every subscription, with what needs attention."""
    return render(
        request,
        "events/subscription_list.html",
        {"subscriptions": selectors.subscriptions_list(), "event_names": EVENT_NAMES},
    )


@_managers
@require_http_methods(["GET", "POST"])
def subscription_create(request):
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.subscription_create(
                by=request.user,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, "Webhook added. Give its signing secret to the receiver.")
            return redirect("events:subscription_detail", subscription.public_id)
    return render(request, "events/subscription_form.html", {"form": form, "subscription": None})


@_managers
@require_http_methods(["GET", "POST"])
def subscription_edit(request, public_id):
    subscription = get_object_or_404(WebhookSubscription, public_id=public_id)
    initial = {
        "name": subscription.name,
        "url": subscription.url,
        "events": subscription.events,
        "active": subscription.active,
    }
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_update(
                subscription=subscription,
                by=request.user,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                active=form.cleaned_data["active"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("events:subscription_detail", subscription.public_id)
    return render(request, "events/subscription_form.html", {"form": form, "subscription": subscription})


@_managers
@require_GET
def subscription_detail(request, public_id):
    """A subscription, its secret, and its delivery log (event, state, tries, last answer, times)."""
    subscription = get_object_or_404(WebhookSubscription, public_id=public_id)
    status = request.GET.get("status", "")
    log = selectors.deliveries_of(subscription, status=status)
    page = Paginator(log, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/subscription_detail.html",
        {
            "subscription": subscription,
            "page": page,
            "status": status if status in DeliveryStatus.values else "",
            "statuses": DeliveryStatus.choices,
            "resend_form": ResendForm(),
        },
    )


@_managers
@require_POST
def subscription_rotate(request, public_id):
    subscription = get_object_or_404(WebhookSubscription, public_id=public_id)
    services.subscription_rotate_secret(subscription=subscription, by=request.user)
    messages.success(request, "New signing secret made; the old one no longer signs deliveries.")
    return redirect("events:subscription_detail", subscription.public_id)


@_managers
@require_POST
def subscription_delete(request, public_id):
    subscription = get_object_or_404(WebhookSubscription, public_id=public_id)
    services.subscription_delete(subscription=subscription, by=request.user)
    messages.success(request, "Webhook deleted.")
    return redirect("events:subscription_list")


@_managers
@require_POST
def delivery_resend(request, public_id):
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("subscription"), public_id=public_id)
    form = ResendForm(request.POST)
    confirm = form.is_valid() and form.cleaned_data["confirm_unknown"]
    try:
        services.webhook_delivery_resend(delivery=delivery, by=request.user, confirm_unknown=confirm)
    except services.WebhookStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The delivery will be sent again within a minute.")
    return redirect("events:subscription_detail", delivery.subscription.public_id)


# -- the mail providers' delivery reports (django-anymail's tracking views) ----------------


def _provider_view(esp: str):
    """anymail's tracking view of ``esp``, answering 404 unless Candor is set up to take its reports.

    Set up: listed in ``CANDOR_DELIVERY_REPORT_PROVIDERS`` and with its check configured
    (basic auth ``ANYMAIL["WEBHOOK_SECRET"]``; for Mailgun its signing key too), so an
    unprotected provider URL never runs. anymail checks signatures and auth itself.
    """
    from anymail.webhooks.mailgun import MailgunTrackingWebhookView
    from anymail.webhooks.postmark import PostmarkTrackingWebhookView
    from anymail.webhooks.sendgrid import SendGridTrackingWebhookView

    view_class = {
        "postmark": PostmarkTrackingWebhookView,
        "mailgun": MailgunTrackingWebhookView,
        "sendgrid": SendGridTrackingWebhookView,
    }[esp]

    @csrf_exempt
    def view(request, *args, **kwargs):
        anymail = getattr(settings, "ANYMAIL", {}) or {}
        configured = esp in getattr(settings, "CANDOR_DELIVERY_REPORT_PROVIDERS", [])
        if esp == "mailgun":
            configured = configured and bool(anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY"))
        else:
            configured = configured and bool(anymail.get("WEBHOOK_SECRET"))
        if not configured:
            raise Http404
        return view_class.as_view()(request, *args, **kwargs)

    view.__name__ = f"{esp}_tracking"
    return view


postmark_tracking = _provider_view("postmark")
mailgun_tracking = _provider_view("mailgun")
sendgrid_tracking = _provider_view("sendgrid")
