"""URLs of the events app: webhook pages and the mail providers' report URLs (/integrations/...)."""

from django.urls import path

from events import views

app_name = "events"

# The integrations app answers integrations/webhooks/<vendor>/ (ATS webhooks in): every page
# here has at least two segments after webhooks/, so the two never collide.
urlpatterns = [
    path("integrations/webhooks/", views.subscription_list, name="subscription_list"),
    path("integrations/webhooks/subscriptions/new/", views.subscription_create, name="subscription_create"),
    path(
        "integrations/webhooks/subscriptions/<uuid:public_id>/",
        views.subscription_detail,
        name="subscription_detail",
    ),
    path(
        "integrations/webhooks/subscriptions/<uuid:public_id>/edit/",
        views.subscription_edit,
        name="subscription_edit",
    ),
    path(
        "integrations/webhooks/subscriptions/<uuid:public_id>/rotate/",
        views.subscription_rotate,
        name="subscription_rotate",
    ),
    path(
        "integrations/webhooks/subscriptions/<uuid:public_id>/delete/",
        views.subscription_delete,
        name="subscription_delete",
    ),
    path(
        "integrations/webhooks/deliveries/<uuid:public_id>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
    # django-anymail's tracking webhooks (the paths anymail.urls uses), one per supported provider.
    path(
        "integrations/anymail/postmark/tracking/", views.postmark_tracking, name="anymail_postmark_tracking"
    ),
    path("integrations/anymail/mailgun/tracking/", views.mailgun_tracking, name="anymail_mailgun_tracking"),
    path(
        "integrations/anymail/sendgrid/tracking/", views.sendgrid_tracking, name="anymail_sendgrid_tracking"
    ),
]
