from .views import InteractionTypeViewSet, InteractionViewSet

__all__ = ["InteractionTypeViewSet", "InteractionViewSet"]
