"""The credit rule table's page (信用评价规则); a producer's credit file is on its page."""

from django.urls import path

from . import views

urlpatterns = [
    path("credit-rules/", views.rules_page, name="credit_rules"),
]
