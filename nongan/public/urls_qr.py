from django.urls import path

from . import views

urlpatterns = [
    path("producers/<int:pk>/public-qr.svg", views.producer_qr, name="producer_public_qr"),
]
