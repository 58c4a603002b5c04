"""URLs of the integrations app (mounted at "")."""

from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("integrations/webhooks/<slug:vendor>/", views.webhook, name="webhook"),
    path("integrations/", views.home, name="home"),
    path("integrations/<slug:vendor>/connection/", views.connection_edit, name="connection_edit"),
    path("integrations/<slug:vendor>/mappings/", views.mappings, name="mappings"),
    path("integrations/mappings/<int:pk>/remove/", views.mapping_remove, name="mapping_remove"),
    path("integrations/events/<int:pk>/process/", views.event_reprocess, name="event_reprocess"),
    path("integrations/events/<int:pk>/dismiss/", views.event_dismiss, name="event_dismiss"),
    path("integrations/waiting-for-me/", views.waiting_for_me, name="waiting_for_me"),
]
