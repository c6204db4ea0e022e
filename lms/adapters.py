"""allauth hooks: mail goes through the worker, and new accounts get their welcome."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.db import transaction
from django_q.tasks import async_task

from lms.services import user_signed_up


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        # Rendered now (the context holds the request), sent by the worker after commit.
        message = self.render_mail(template_prefix, email, context)
        payload = (
            message.subject,
            message.body,
            message.from_email,
            list(message.to),
            [list(alt) for alt in getattr(message, "alternatives", [])],
        )
        transaction.on_commit(lambda: async_task("lms.tasks.email_message_send", *payload))

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        user.display_name = data.get("display_name", "")
        user.time_zone = data.get("time_zone") or "UTC"
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user_signed_up(user=user)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        user_signed_up(user=user)
        return user
