"""Inspection pages (巡查记录) and rectification orders (整改通知)."""

from django.urls import path

from . import views

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/print/", views.inspection_print, name="inspection_print"),
    path("inspections/<int:pk>/photos/<uuid:media_id>", views.inspection_photo,
         name="inspection_photo"),
    path("inspections/<int:pk>/amendments/", views.inspection_amend, name="inspection_amend"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/replies/", views.rectification_reply,
         name="rectification_reply"),
    path("rectifications/<int:pk>/photos/<uuid:media_id>", views.rectification_photo,
         name="rectification_photo"),
    path("todo/", views.todo, name="todo"),
    path("schedules/", views.schedule_page, name="schedules"),
    path("inspection-templates/", views.template_list, name="inspection_templates"),
]
