from django.contrib.auth.forms import AuthenticationForm

from core.forms import CleanInputMixin


class LoginForm(CleanInputMixin, AuthenticationForm):
    """Staff login: a NUL or a line break in the user name gets a message, not Django's
    mistranslated 「何か文字を入力してください。」 or a silent blank page."""
