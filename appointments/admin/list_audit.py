"""Every showing of an admin list of patient records is audited (`appointments.audit.record_list_view`).

A ModelAdmin lists its rows under a name in the practice's words and says which kind of row
they are; the mixin records the rows of the page shown (the paginated result list), read
from the ChangeList the page renders, so nothing is queried twice or per row."""

from appointments.audit import record_list_view


class ListViewsAudited:
    """Mix into a ModelAdmin whose list shows patients, e.g.

        class PatientAdmin(ListViewsAudited, admin.ModelAdmin):
            audited_list_page = "Patient list"
            audited_list_rows = "patients"  # the keyword of record_list_view
    """

    audited_list_page = ""
    audited_list_rows = ""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            # The template iterates the same queryset: evaluating it here costs no extra query.
            rows = changelist.result_list
            record_list_view(request, self.audited_list_page_name(changelist), **{self.audited_list_rows: rows})
        return response

    def audited_list_page_name(self, changelist) -> str:
        """The list's name, and what its address said (the search itself is never kept)."""
        parts = [self.audited_list_page]
        if changelist.query:
            parts.append("search results")
        if changelist.page_num > 1:
            parts.append(f"page {changelist.page_num}")
        return ", ".join(parts)
