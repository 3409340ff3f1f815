from django.urls import path

from . import views

urlpatterns = [
    path("regions/", views.region_root, name="region_root"),
    path("regions/<str:code>/", views.region, name="region"),
    path("grids/", views.grid_list, name="grids"),
    path("grids/<str:code>/", views.grid, name="grid"),
    path("coverage/", views.coverage_root, name="coverage_root"),
    path("coverage/<str:code>/", views.coverage, name="coverage"),
    path("coverage/<str:code>/place/", views.coverage_place, name="coverage_place"),
]
