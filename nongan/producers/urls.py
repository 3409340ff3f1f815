"""Register pages. `/producers/import/` belongs to the import pages; every pattern here that
takes an id uses <int:…>, so it never shadows that path."""

from django.urls import path

from . import views

urlpatterns = [
    path("producers/", views.producer_list, name="producer_list"),
    path("producers/new/", views.producer_new, name="producer_new"),
    path("producers/villages/", views.village_options, name="producer_villages"),
    path("producers/<int:pk>/", views.producer_detail, name="producer"),
    path("producers/<int:pk>/edit/", views.producer_edit, name="producer_edit"),
    path("producers/<int:pk>/plots.geojson", views.producer_plots_geojson,
         name="producer_plots_geojson"),
    path("producers/<int:pk>/plots/new/", views.plot_new, name="plot_new"),
    path("producers/<int:pk>/certifications/", views.certification_add,
         name="certification_add"),
    # the certificate is named in the body (`cert`), so the path names only the producer
    path("producers/<int:pk>/certifications/status/", views.certification_status,
         name="certification_status"),
    path("plots/<int:pk>/", views.plot_detail, name="plot"),
    path("plots/<int:pk>/edit/", views.plot_edit, name="plot_edit"),
]
