from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("checkout/course/<int:course_id>/", views.checkout_start, name="checkout_start"),
    path("checkout/<int:payment_id>/success/", views.checkout_success, name="checkout_success"),
    path("checkout/<int:payment_id>/cancelled/", views.checkout_cancelled, name="checkout_cancelled"),
    path("lessons/<int:teacher_id>/buy/", views.credits_buy, name="credits_buy"),
    path("test-checkout/<str:session_id>/", views.test_checkout, name="test_checkout"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("stripe/connect-webhook/", views.stripe_connect_webhook, name="stripe_connect_webhook"),
    path("history/", views.history, name="history"),
    path("receipts/<int:number>/", views.receipt_download, name="receipt_download"),
    path("disputes/new/", views.dispute_new, name="dispute_new"),
    path("earnings/", views.earnings, name="earnings"),
    path("payouts/onboard/", views.payouts_onboard, name="payouts_onboard"),
    path("payouts/onboard/return/", views.payouts_return, name="payouts_return"),
    path("payouts/onboard/refresh/", views.payouts_refresh, name="payouts_refresh"),
    path("test-onboarding/", views.test_onboarding, name="test_onboarding"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/subscribe/", views.subscribe, name="subscribe"),
    path("subscriptions/welcome/", views.subscription_success, name="subscription_success"),
    path("subscriptions/manage/", views.portal, name="portal"),
    path("test-portal/", views.test_portal, name="test_portal"),
]
