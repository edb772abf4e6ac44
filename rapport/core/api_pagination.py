from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: constant time at any depth, no COUNT(*)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-created_at", "-id")
