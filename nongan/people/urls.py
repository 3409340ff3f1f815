"""Signing in: password, then the one-time code; enrolling an authenticator app."""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/confirm/", views.reauth_confirm, name="reauth"),
]
