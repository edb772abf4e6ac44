from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def profile(request):
    return HttpResponse("profile")


@login_required
def users(request):
    return HttpResponse("users")


@login_required
def properties(request):
    return HttpResponse("properties")


@login_required
def audit(request):
    return HttpResponse("audit")


@login_required
def trash(request):
    return HttpResponse("trash")
