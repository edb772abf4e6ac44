"""API of pipelines (with their stages and typical actions), lost reasons and
competitors: reference data every signed-in user reads."""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets

from rapport.core.api import AllowListOrderingFilter

from ..models import STAGE_REQUIREMENTS, Competitor, LostReason, Pipeline, Stage, StageAction
from ..selectors import pipelines as selectors


class StageActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageAction
        fields = ("id", "title", "description", "due_in_days", "position")


class StageSerializer(serializers.ModelSerializer):
    required_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(STAGE_REQUIREMENTS)),
        help_text="What a deal must have to enter the stage.",
    )
    actions = StageActionSerializer(many=True, read_only=True)

    class Meta:
        model = Stage
        fields = (
            "id",
            "name",
            "position",
            "probability",
            "required_fields",
            "color",
            "is_active",
            "actions",
        )


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ("id", "name", "description", "is_default", "is_active", "position", "stages")


class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pipelines (sales technologies) with their ordered stages."""

    serializer_class = PipelineSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("position", "id")
    ordering_map = {"position": "position", "name": "name"}
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return selectors.pipeline_list(actor=self.request.user)


class LostReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LostReason
        fields = ("id", "name", "is_active", "position")


class LostReasonViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Why deals are lost (for `POST /deals/{id}/lose/`)."""

    serializer_class = LostReasonSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("position", "id")
    ordering_map = {"position": "position", "name": "name"}

    def get_queryset(self):
        return selectors.lost_reasons(actor=self.request.user, active_only=False)


class CompetitorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Competitor
        fields = ("id", "name")


class CompetitorViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CompetitorSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("name", "id")
    ordering_map = {"name": "name"}

    def get_queryset(self):
        return selectors.competitors(actor=self.request.user)
