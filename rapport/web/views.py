from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rapport.parties import selectors as party_selectors


@login_required
def home(request):
    """The user's dashboard: own clients by status, recently changed clients."""
    return render(
        request,
        "web/home.html",
        {
            "status_counts": party_selectors.dashboard_status_counts(actor=request.user),
            "recent_clients": party_selectors.recently_changed_clients(actor=request.user),
        },
    )
