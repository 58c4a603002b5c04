"""The webhook receivers (one per vendor, signed, no session) and HR's integrations pages.

Receivers answer fast: they verify the signature, store the raw event in the inbox and queue its
processing (202); a replay answers 200 and changes nothing. They are the only views here without
CSRF protection: the vendor's signature protects them, and they read no session or cookie.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import add_validation_error
from core.permissions import hr_required, staff_required
from integrations import selectors, services, vendors
from integrations.forms import ConnectionForm, MappingForm
from integrations.models import AtsMapping, InboundEvent, Vendor, masked

logger = logging.getLogger("integrations")

MAX_BODY = 1_000_000  # bytes; an ATS event is a few kilobytes


def _vendor(value: str) -> str:
    if value not in Vendor.values:
        raise Http404
    return value


@csrf_exempt
@require_POST
def webhook(request, vendor):
    """Receive one event from ``vendor``. 404: no such vendor, or no enabled connection; 413: body
    over 1 MB; 403: signature refused (counted and logged, nothing stored); 202: stored and
    queued; 200: already received (a replay)."""
    vendor = _vendor(vendor)
    connection = services.connection_for(vendor)
    if connection is None or not connection.enabled:
        raise Http404
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return JsonResponse({"error": "payload too large"}, status=413)
    body = request.body
    if len(body) > MAX_BODY:
        return JsonResponse({"error": "payload too large"}, status=413)
    try:
        data = vendors.verify_signature(
            vendor, secret=connection.webhook_secret, body=body, headers=request.headers
        )
    except vendors.NotJsonObject:
        # Signed by the vendor, but not an event we can read: not counted as a bad signature.
        return JsonResponse({"error": "the body is not a JSON object"}, status=400)
    except vendors.SignatureRefused as exc:
        services.connection_bad_signature(connection=connection, reason=exc.reason)
        return JsonResponse({"error": "signature refused"}, status=403)
    if vendors.is_ping(vendor, data):
        return JsonResponse({"status": "ok"})
    event_id, event_type = vendors.event_identity(vendor, data=data, body=body, headers=request.headers)
    event, created = services.inbound_event_receive(
        connection=connection, event_id=event_id, event_type=event_type, payload=data
    )
    if not created:
        return JsonResponse({"status": "already received"}, status=200)
    return JsonResponse({"status": "accepted"}, status=202)


@login_required
@hr_required
@require_GET
def home(request):
    """HR: each ATS's connection, events that need HR (needs mapping, failed, not yet processed),
    rejections waiting for their decider, and the latest processed events."""
    return render(
        request,
        "integrations/home.html",
        {
            "vendors": selectors.connections_overview(),
            "attention": selectors.events_needing_attention(),
            "waiting": selectors.rejections_waiting(),
            "recent": selectors.recent_events(),
        },
    )


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def connection_edit(request, vendor):
    vendor = _vendor(vendor)
    connection = services.connection_for(vendor)
    initial = {"enabled": True}
    if connection is not None:
        initial = {
            "enabled": connection.enabled,
            "act_as": connection.act_as,
            "notes_as_user_id": connection.notes_as_user_id,
            "api_base_url": connection.api_base_url,
        }
    form = ConnectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.connection_save(vendor=vendor, by=request.user, **form.cleaned_data)
        except services.IntegrationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, f"{Vendor(vendor).label} connection saved.")
            return redirect("integrations:home")
    return render(
        request,
        "integrations/connection_form.html",
        {
            "form": form,
            "vendor": vendor,
            "vendor_label": Vendor(vendor).label,
            "connection": connection,
            "secret_shown": masked(connection.webhook_secret if connection else ""),
            "key_shown": masked(connection.api_key if connection else ""),
            "receiver_url": settings.CANDOR_BASE_URL.rstrip("/")
            + reverse("integrations:webhook", args=[vendor]),
        },
    )


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def mappings(request, vendor):
    vendor = _vendor(vendor)
    connection = services.connection_for(vendor)
    if connection is None:
        messages.info(request, f"Connect {Vendor(vendor).label} first.")
        return redirect("integrations:connection_edit", vendor=vendor)
    # "Map it" links carry the kind and the ATS id only (no names in URLs); the name comes from
    # the waiting events.
    unmapped = selectors.unmapped_items(connection)
    initial = {k: request.GET.get(k, "")[:100] for k in ("kind", "external_id") if k in request.GET}
    for item in unmapped:
        if (item.get("kind"), item.get("external_id")) == (initial.get("kind"), initial.get("external_id")):
            initial["external_name"] = item.get("external_name", "")
    form = MappingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.mapping_save(
                connection=connection,
                by=request.user,
                kind=form.cleaned_data["kind"],
                external_id=form.cleaned_data["external_id"],
                external_name=form.cleaned_data["external_name"],
                target=form.target,
            )
        except services.IntegrationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Mapping saved. Process the waiting events again when all is mapped.")
            return redirect("integrations:mappings", vendor=vendor)
    return render(
        request,
        "integrations/mappings.html",
        {
            "form": form,
            "vendor": vendor,
            "vendor_label": Vendor(vendor).label,
            "mappings": selectors.mappings_of(connection),
            "unmapped": unmapped,
        },
    )


@login_required
@hr_required
@require_POST
def mapping_remove(request, pk):
    mapping = get_object_or_404(AtsMapping.objects.select_related("connection"), pk=pk)
    vendor = mapping.connection.vendor
    services.mapping_remove(mapping=mapping, by=request.user)
    messages.success(request, "Mapping removed.")
    return redirect("integrations:mappings", vendor=vendor)


@login_required
@hr_required
@require_POST
def event_dismiss(request, pk):
    event = get_object_or_404(InboundEvent, pk=pk)
    try:
        services.event_dismiss(event=event, by=request.user)
    except services.IntegrationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, "The event was put aside. It stays in the inbox and can be processed again."
        )
    return redirect("integrations:home")


@login_required
@hr_required
@require_POST
def event_reprocess(request, pk):
    event = get_object_or_404(InboundEvent, pk=pk)
    try:
        services.event_reprocess(event=event, by=request.user)
    except services.IntegrationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The event is being processed again.")
    return redirect("integrations:home")


@login_required
@staff_required
@require_GET
def waiting_for_me(request):
    """Deciders: applications the ATS rejected that wait for my feedback points. Each links to the
    application's own decision form (hiring:decision_create)."""
    return render(
        request, "integrations/waiting.html", {"rejections": selectors.rejections_waiting_for(request.user)}
    )
