"""Referral and joint-inspection pages. The words before each parameter are the access
matrix's (core/tests/test_access_matrix.py): referrals, referral-documents, cases,
joint-inspections. `referral` is reversed by the case page and the API."""

from django.urls import path

from . import views

urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/answer/", views.referral_answer, name="referral_answer"),
    path("referrals/<int:pk>/documents/", views.referral_document_add,
         name="referral_document_add"),
    path("referrals/<int:pk>/handover/", views.referral_handover, name="referral_handover"),
    path("referral-documents/<int:pk>/", views.referral_document, name="referral_document"),
    path("cases/<int:pk>/referrals/", views.case_referral_new, name="case_referral_new"),
    path("joint-inspections/", views.joint_list, name="joint_inspection_list"),
    path("joint-inspections/new/", views.joint_new, name="joint_inspection_new"),
    path("joint-inspections/<int:pk>/", views.joint_detail, name="joint_inspection"),
    path("joint-inspections/<int:pk>/inspections/", views.joint_link,
         name="joint_inspection_link"),
]
