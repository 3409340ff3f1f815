"""双随机、一公开 pages. `spot_check` is reversed by the to-do list (overdue publications)."""

from django.urls import path

from . import views_spot_checks as views

urlpatterns = [
    path("spot-checks/", views.spot_check_list, name="spot_check_list"),
    path("spot-checks/new/", views.spot_check_new, name="spot_check_new"),
    path("spot-checks/population/", views.spot_check_population,
         name="spot_check_population"),
    path("spot-checks/<int:pk>/", views.spot_check_detail, name="spot_check"),
    path("spot-checks/<int:pk>/draw/", views.spot_check_draw, name="spot_check_draw"),
    path("spot-checks/<int:pk>/cancel/", views.spot_check_cancel, name="spot_check_cancel"),
    path("spot-checks/<int:pk>/publish/", views.spot_check_publish, name="spot_check_publish"),
    path("spot-checks/<int:pk>/targets/<int:target_id>/result/", views.spot_check_result,
         name="spot_check_result"),
    path("spot-checks/<int:pk>/replay/", views.spot_check_replay, name="spot_check_replay"),
    path("spot-checks/<int:pk>/snapshot.json", views.spot_check_snapshot,
         name="spot_check_snapshot"),
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/<int:pk>/deactivate/", views.matter_deactivate, name="matter_deactivate"),
    path("officers/", views.officer_list, name="spot_check_officers"),
    path("conflicts/", views.conflict_list, name="conflict_list"),
    path("conflicts/<int:pk>/withdraw/", views.conflict_withdraw, name="conflict_withdraw"),
]
