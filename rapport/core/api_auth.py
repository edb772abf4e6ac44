from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .services import api_token_user


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` with tokens from /api/v1/auth/token/."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        user = api_token_user(header[1].decode(errors="replace"))
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        return (user, None)

    def authenticate_header(self, request):
        return self.keyword
