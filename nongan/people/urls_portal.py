"""The producer's own portal (生产主体服务): `/my/`."""

from django.urls import path

from . import portal

urlpatterns = [
    path("my/", portal.portal, name="portal"),
]
