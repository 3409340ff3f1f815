"""告知承诺 pages. `commitment` and `campaign` are reversed by the services (the links in
credit events)."""

from django.urls import path

from . import views

urlpatterns = [
    path("commitments/", views.commitment_list, name="commitment_list"),
    path("commitments/new/", views.commitment_new, name="commitment_new"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("commitments/<int:pk>/change/", views.commitment_change, name="commitment_change"),
    path("commitments/<int:pk>/map.png", views.commitment_map, name="commitment_map"),
    path("commitments/<int:pk>/scan", views.commitment_scan, name="commitment_scan"),
    path("commitments/<int:pk>/print.pdf", views.commitment_pdf, name="commitment_pdf"),
    path("commitments/campaigns/", views.campaign_list, name="campaign_list"),
    path("commitments/campaigns/new/", views.campaign_new, name="campaign_new"),
    path("commitments/campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("commitments/campaigns/<int:pk>/letters/", views.campaign_issue,
         name="campaign_issue"),
    path("commitments/campaigns/<int:pk>/letters.pdf", views.campaign_letters_pdf,
         name="campaign_letters_pdf"),
    path("commitments/letters/<int:pk>.pdf", views.letter_pdf, name="letter_pdf"),
    path("commitments/letters/<int:pk>/deliveries/", views.letter_delivery,
         name="letter_delivery"),
]
