"""Pages of the limit standards (限量标准)."""

from django.urls import path

from . import views_standards as views

urlpatterns = [
    path("standards/", views.standards_page, name="standards"),
    path("standards/foods/", views.standard_foods, name="standard_foods"),
    path("standards/import/", views.standard_import, name="standard_import"),
    path("standards/templates/<slug:name>.csv", views.standard_template,
         name="standard_template"),
]
