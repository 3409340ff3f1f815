"""Monitoring pages (抽样监测): samples, plans, the monthly table, summaries, follow-ups and
the user's notifications. `sample` is reversed by services (the link in a notification)."""

from django.urls import path

from . import views, views_follow_ups, views_plans

urlpatterns = [
    path("samples/", views.sample_list, name="sample_list"),
    path("samples/import/", views.lims_import, name="lims_import"),
    path("samples/import/template.xlsx", views.lims_template, name="lims_template"),
    path("samples/<str:sample_no>/", views.sample_detail, name="sample"),
    path("samples/<str:sample_no>/label/", views.sample_label, name="sample_label"),
    path("samples/<str:sample_no>/print/", views.sample_print, name="sample_print"),
    path("samples/<str:sample_no>/photos/<uuid:media_id>", views.sample_photo,
         name="sample_photo"),
    path("samples/<str:sample_no>/report/", views.sample_report, name="sample_report"),
    path("samples/<str:sample_no>/report/upload/", views.sample_report_upload,
         name="sample_report_upload"),
    path("samples/<str:sample_no>/receive/", views.sample_receive, name="sample_receive"),
    path("samples/<str:sample_no>/results/", views.sample_results, name="sample_results"),
    path("samples/<str:sample_no>/notify/", views.sample_notify, name="sample_notify"),
    path("samples/<str:sample_no>/retest/", views.sample_retest, name="sample_retest"),
    path("plans/", views_plans.plan_list, name="plan_list"),
    path("plans/new/", views_plans.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views_plans.plan_detail, name="plan"),
    path("monitoring/monthly/", views_plans.monthly, name="monitoring_monthly"),
    path("summaries/", views_plans.summary_list, name="summary_list"),
    path("summaries/<int:pk>/submit/", views_plans.summary_submit, name="summary_submit"),
    path("summaries/<int:pk>/file/", views_plans.summary_file, name="summary_file"),
    path("follow-ups/", views_follow_ups.follow_up_list, name="follow_up_list"),
    path("follow-ups/<int:pk>/", views_follow_ups.follow_up_detail, name="follow_up"),
    path("follow-ups/<int:pk>/notes/", views_follow_ups.follow_up_note, name="follow_up_note"),
    path("follow-ups/<int:pk>/propose/", views_follow_ups.follow_up_propose,
         name="follow_up_propose"),
    path("follow-ups/<int:pk>/close/", views_follow_ups.follow_up_close,
         name="follow_up_close"),
    path("notifications/", views_follow_ups.notification_list, name="notifications"),
    path("notifications/read/", views_follow_ups.notifications_read,
         name="notifications_read"),
    path("notifications/<int:pk>/", views_follow_ups.notification_open,
         name="notification_open"),
]
