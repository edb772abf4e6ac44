"""REST API of core: API tokens, the user directory, user-defined properties, the
interactive API docs, and the building blocks the apps' APIs share.

Views stay thin: they parse input and call one service or selector.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import exceptions, filters, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from . import selectors, services
from .models import PropertyDefinition, PropertyTarget, PropertyType, ReadScope, Role, User

# --- shared building blocks -----------------------------------------------------------


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Bearer <token>`` in the OpenAPI schema."""

    target_class = "rapport.core.api_auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/token/.",
        }


class AllowListOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` limited to an allow-list of public names mapped to columns.

    The view declares ``ordering_map = {"name": "name_order", ...}`` and a default
    ``ordering``. A unique tie-breaker (``id``) is always appended so that cursor
    pagination is stable. An unknown name answers 400 naming ``ordering``.
    """

    tie_breaker = "id"

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param, "")
        mapping: dict[str, str] = getattr(view, "ordering_map", {})
        names = [n.strip() for n in raw.split(",") if n.strip()]
        if not names:
            return tuple(self.get_default_ordering(view) or ())
        if len(names) > 1:
            raise exceptions.ValidationError(
                {self.ordering_param: [_("Sort by one field at a time.")]}
            )
        name = names[0]
        descending = name.startswith("-")
        column = mapping.get(name.lstrip("-"))
        if column is None:
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("Sort by one of: %(names)s.") % {"names": ", ".join(sorted(mapping))}
                    ]
                }
            )
        sign = "-" if descending else ""
        return (f"{sign}{column}", f"{sign}{self.tie_breaker}")

    def get_schema_operation_parameters(self, view):
        names = sorted(getattr(view, "ordering_map", {}))
        choices = [n for name in names for n in (name, f"-{name}")]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(_("Sort order; prefix with “-” for descending.")),
                "schema": {"type": "string", "enum": choices},
            }
        ]


class IsAdministratorOrReadOnly(permissions.BasePermission):
    """Everyone signed in reads; only administrators write (the services check again)."""

    message = _("Only an administrator may change this.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or user.is_administrator


# --- API tokens -----------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class TokenView(APIView):
    """Exchange a username and password for a bearer token.

    Failed attempts count towards the login throttling (django-axes) and are written to
    the audit log, exactly as failed logins in the browser are.
    """

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        auth=[],
        tags=["auth"],
        operation_id="auth_token_create",
    )
    def post(self, request):
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        http_request = request._request  # axes and the audit signal want Django's request
        user = authenticate(
            request=http_request,
            username=form.validated_data["username"],
            password=form.validated_data["password"],
        )
        if getattr(http_request, "axes_locked_out", False):
            # Answer the lockout as problem details here instead of letting axes'
            # middleware replace the response with its HTML page.
            http_request.axes_locked_out = False
            raise exceptions.Throttled(detail=_("Too many failed attempts. Try again later."))
        if user is None:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Wrong username or password.")]}
            )
        return Response({"token": services.api_token_issue(user=user)})


# --- users ----------------------------------------------------------------------------


class UserSerializer(serializers.Serializer):
    """A user as the staff directory shows it."""

    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    email = serializers.EmailField(read_only=True)
    phone = serializers.CharField(read_only=True)
    position = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    department = serializers.UUIDField(source="department_id", read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)


class UserDetailSerializer(serializers.Serializer):
    """A user with the settings only an administrator (or the user) sees and writes."""

    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4096,
        trim_whitespace=False,
        style={"input_type": "password"},
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    department = serializers.PrimaryKeyRelatedField(
        queryset=selectors.departments(), required=False, allow_null=True
    )
    read_scope = serializers.ChoiceField(choices=ReadScope.choices, required=False)
    sees_confidential = serializers.BooleanField(required=False)
    can_exchange = serializers.BooleanField(required=False)
    language = serializers.CharField(max_length=8, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    is_active = serializers.BooleanField(required=False)


class ProfileSerializer(serializers.Serializer):
    """What users change about themselves."""

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.CharField(max_length=8, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)


@extend_schema_view(
    list=extend_schema(
        responses=UserSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "search", str, description="Part of the login, name or e-mail, e.g. a username."
            )
        ],
        description="The staff directory (administrators also see inactive "
        "users and every setting).",
    ),
    retrieve=extend_schema(responses=UserDetailSerializer),
    create=extend_schema(
        request=UserDetailSerializer,
        responses={201: UserDetailSerializer},
        description="Administrators only.",
    ),
    update=extend_schema(
        request=UserDetailSerializer,
        responses=UserDetailSerializer,
        description="Administrators only.",
    ),
    partial_update=extend_schema(
        request=UserDetailSerializer,
        responses=UserDetailSerializer,
        description="Administrators only.",
    ),
)
class UserViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Everyone signed in reads the directory; administrators create and change users."""

    permission_classes = [IsAdministratorOrReadOnly]
    filter_backends = [AllowListOrderingFilter]
    ordering = ("username", "id")
    ordering_map = {"username": "username", "last_name": "last_name"}
    lookup_value_converter = "uuid"
    serializer_class = UserSerializer

    def get_queryset(self):
        actor = self.request.user
        if actor.is_administrator:
            qs = selectors.users_for_admin(actor=actor)
        else:
            qs = selectors.user_directory(actor=actor)
        return selectors.users_matching(qs, self.request.query_params.get("search", ""))

    def get_serializer_class(self):
        if self.request.user.is_administrator:
            return UserDetailSerializer
        return UserSerializer

    def _user(self) -> User:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except User.DoesNotExist as exc:
            raise exceptions.NotFound() from exc

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._user()).data)

    def create(self, request):
        form = UserDetailSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data.pop("is_active", None)
        user = services.user_create(actor=request.user, **data)
        return Response(UserDetailSerializer(user).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        user = self._user()
        form = UserDetailSerializer(user, data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        user = services.user_update(actor=request.user, user=user, **form.validated_data)
        return Response(UserDetailSerializer(user).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(methods=["GET"], responses=UserDetailSerializer)
    @extend_schema(methods=["PATCH"], request=ProfileSerializer, responses=UserDetailSerializer)
    @action(
        detail=False,
        methods=["get", "patch"],
        url_path="me",
        permission_classes=[permissions.IsAuthenticated],
    )
    def me(self, request):
        """The caller's own account; PATCH changes the caller's profile."""
        actor = request.user
        if request.method == "PATCH":
            form = ProfileSerializer(data=request.data, partial=True)
            form.is_valid(raise_exception=True)
            current = {name: getattr(actor, name) for name in ProfileSerializer().fields}
            actor = services.profile_update(actor=actor, **{**current, **form.validated_data})
        return Response(UserDetailSerializer(actor).data)


# --- user-defined properties ----------------------------------------------------------


class PropertyDefinitionSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    target = serializers.ChoiceField(choices=PropertyTarget.choices)
    code = serializers.SlugField(max_length=64)
    label = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=PropertyType.choices)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=500
    )
    is_required = serializers.BooleanField(required=False)
    is_sensitive = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, required=False)
    is_active = serializers.BooleanField(required=False)


class PropertyListQuery(serializers.Serializer):
    target = serializers.ChoiceField(choices=PropertyTarget.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(parameters=[PropertyListQuery]),
    create=extend_schema(
        responses={201: PropertyDefinitionSerializer}, description="Administrators only."
    ),
    update=extend_schema(
        description="Administrators only. The target cannot change; type "
        "and code cannot change once records hold values."
    ),
    partial_update=extend_schema(description="Administrators only."),
    destroy=extend_schema(
        description="Administrators only. Deactivates the property: "
        "stored values are kept and it can be reactivated."
    ),
)
class PropertyDefinitionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """User-defined properties of clients and contact persons."""

    permission_classes = [IsAdministratorOrReadOnly]
    serializer_class = PropertyDefinitionSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("id",)
    ordering_map = {"code": "code", "position": "position"}
    lookup_value_converter = "uuid"

    def get_queryset(self):
        query = PropertyListQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.property_definition_list(actor=self.request.user, **query.validated_data)

    def _definition(self) -> PropertyDefinition:
        qs = selectors.property_definition_list(actor=self.request.user)
        try:
            return qs.get(pk=self.kwargs["pk"])
        except PropertyDefinition.DoesNotExist as exc:
            raise exceptions.NotFound() from exc

    def retrieve(self, request, pk=None):
        return Response(PropertyDefinitionSerializer(self._definition()).data)

    def create(self, request):
        form = PropertyDefinitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        is_active = data.pop("is_active", True)
        definition = services.property_create(actor=request.user, **data)
        if not is_active:
            definition = services.property_update(
                actor=request.user, definition=definition, is_active=False
            )
        return Response(
            PropertyDefinitionSerializer(definition).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, pk=None, partial=False):
        definition = self._definition()
        form = PropertyDefinitionSerializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        if changes.pop("target", definition.target) != definition.target:
            raise exceptions.ValidationError(
                {"target": [_("The target of a property cannot change.")]}
            )
        definition = services.property_update(actor=request.user, definition=definition, **changes)
        return Response(PropertyDefinitionSerializer(definition).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.property_update(actor=request.user, definition=self._definition(), is_active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- interactive docs -----------------------------------------------------------------


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI that works under the strict CSP: every asset is a local static file
    and the initialiser is a static script configured through data attributes."""

    template_name = "core/api_docs.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return Response(
            data={
                "title": self.title,
                "swagger_ui_css": self._swagger_ui_resource("swagger-ui.css"),
                "swagger_ui_bundle": self._swagger_ui_resource("swagger-ui-bundle.js"),
                "swagger_ui_standalone": self._swagger_ui_resource(
                    "swagger-ui-standalone-preset.js"
                ),
                "favicon_href": self._swagger_ui_favicon(),
                "schema_url": self._get_schema_url(request),
                "csrf_header_name": self._get_csrf_header_name(),
                "docs_css": static("core/api-docs.css"),
                "docs_js": static("core/api-docs.js"),
            },
            template_name=self.template_name,
        )
