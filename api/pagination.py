from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Opaque `next`/`previous` links: stable while rows are added, unlike page numbers."""

    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")

    def get_ordering(self, request, queryset, view):
        # A view whose order depends on the request (the catalog's sort) says so.
        chosen = getattr(view, "cursor_ordering", None)
        return tuple(chosen(request)) if chosen else self.ordering
