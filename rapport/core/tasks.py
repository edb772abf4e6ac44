"""Background housekeeping of core (run by Celery beat)."""

from celery import shared_task
from django.utils import timezone

from .models import ApiToken


@shared_task(name="core.purge_expired_api_tokens")
def purge_expired_api_tokens() -> int:
    """Delete API tokens past their expiry; answers how many went."""
    deleted, _details = ApiToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
