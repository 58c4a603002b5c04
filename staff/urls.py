"""URLs of the staff app: People (Admin), SCIM tokens (Admin), your security page, SCIM 2.0."""

from django.urls import include, path

from staff import views

staff_patterns = [
    path("staff/people/", views.people, name="people"),
    path("staff/people/new/", views.person_create, name="person_create"),
    path("staff/people/<int:pk>/", views.person, name="person"),
    path("staff/people/<int:pk>/roles/", views.person_roles, name="person_roles"),
    path("staff/people/<int:pk>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("staff/people/<int:pk>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path("staff/people/<int:pk>/end-sessions/", views.person_end_sessions, name="person_end_sessions"),
    path("staff/scim-tokens/", views.scim_tokens, name="scim_tokens"),
    path("staff/scim-tokens/<int:pk>/revoke/", views.scim_token_revoke, name="scim_token_revoke"),
    path("me/security/", views.security, name="security"),
    path("me/sign-out-everywhere/", views.signout_everywhere, name="signout_everywhere"),
    path("me/signed-out/", views.signed_out, name="signed_out"),
]

# Two namespaces: "staff" for the pages, "scim" for SCIM 2.0 (django-scim2 reverses "scim:...").
urlpatterns = [
    path("", include((staff_patterns, "staff"))),
    path("scim/v2/", include("staff.scim.urls")),
]
