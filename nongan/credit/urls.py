"""The credit rule table's page (信用评价规则) and the daily files for publication systems
(信用信息报送); a producer's credit file is on its page."""

from django.urls import path

from . import views

urlpatterns = [
    path("credit-rules/", views.rules_page, name="credit_rules"),
    # A city file, not a region's record: the day and the file are query parameters.
    path("credit/publications/", views.publications_page, name="credit_publications"),
    path("credit/publications/download/", views.publication_download,
         name="credit_publication_download"),
]
