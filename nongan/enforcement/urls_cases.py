"""Penalty-case pages (行政处罚案件). `case` is reversed by services (the credit event's link)
and by the to-do list."""

from django.urls import path

from . import views_cases

urlpatterns = [
    path("cases/", views_cases.case_list, name="case_list"),
    path("cases/new/", views_cases.case_new, name="case_new"),
    path("cases/decline/", views_cases.case_decline, name="case_decline"),
    path("cases/<int:pk>/", views_cases.case_detail, name="case"),
    path("cases/<int:pk>/steps/", views_cases.case_step, name="case_step"),
    path("cases/<int:pk>/steps/<int:step_id>/print/", views_cases.case_step_print,
         name="case_step_print"),
    path("cases/<int:pk>/notice/", views_cases.case_notice, name="case_notice"),
    path("cases/<int:pk>/notice/withdraw/", views_cases.case_notice_withdraw,
         name="case_notice_withdraw"),
]
