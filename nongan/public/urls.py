from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("spot-checks/", views.spot_check_list, name="spot_check_list"),
    path("spot-checks/<int:pk>/", views.spot_check_detail, name="spot_check"),
    path("matters/", views.matter_list, name="matter_list"),
    path("penalties/", views.penalty_list, name="penalty_list"),
    path("penalties/<int:pk>/", views.penalty_detail, name="penalty"),
    path("producers/", views.producer_list, name="producer_list"),
    path("producers/<str:token>/", views.producer_detail, name="producer"),
]
