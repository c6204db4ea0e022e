"""allauth's forms with the site's words (ACCOUNT_FORMS). Apart from lms/forms.py, which
allauth itself imports (ACCOUNT_SIGNUP_FORM_CLASS) while it loads its own forms."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Remember me")
