"""Data-sharing pages (数据共享) under /exchange/. `exchange_subscription` is reversed by
delivery.py (the link of a failed-delivery notification)."""

from django.urls import path

from . import views

urlpatterns = [
    path("exchange/", views.home, name="exchange"),
    path("exchange/agencies/", views.agency_list, name="exchange_agencies"),
    path("exchange/agencies/new/", views.agency_new, name="exchange_agency_new"),
    path("exchange/agencies/<int:pk>/", views.agency_detail, name="exchange_agency"),
    path("exchange/agencies/<int:pk>/active/", views.agency_active,
         name="exchange_agency_active"),
    path("exchange/agencies/<int:pk>/api-keys/", views.agency_issue_key,
         name="exchange_agency_issue_key"),
    path("exchange/agencies/<int:pk>/subscriptions/", views.agency_new_subscription,
         name="exchange_agency_new_subscription"),
    path("exchange/api-keys/<int:pk>/", views.key_detail, name="exchange_key"),
    path("exchange/api-keys/<int:pk>/revoke/", views.key_revoke, name="exchange_key_revoke"),
    path("exchange/subscriptions/<int:pk>/", views.subscription_detail,
         name="exchange_subscription"),
    path("exchange/subscriptions/<int:pk>/ping/", views.subscription_ping,
         name="exchange_subscription_ping"),
    path("exchange/subscriptions/<int:pk>/active/", views.subscription_active,
         name="exchange_subscription_active"),
    path("exchange/deliveries/<int:pk>/", views.delivery_detail, name="exchange_delivery"),
    path("exchange/deliveries/<int:pk>/redeliver/", views.delivery_redeliver,
         name="exchange_delivery_redeliver"),
]
