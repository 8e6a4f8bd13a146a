"""Lists that stay fast at a million rows: a page counts at most COUNT_CAP rows (a
list of every district's people says "more than 10,000 people", not a count of a
million on every view), and filters that offer fixed choices read no table."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from rostering.access import request_district_access
from rostering.models import District

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts the rows of the list's query up to COUNT_CAP + 1, unordered: beyond it
    the list says "more than 10,000" and offers the first 10,000 rows' pages (search or
    a filter narrows a larger list)."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_capped(self) -> bool:
        return self.count > self.cap

    @property
    def cap_words(self) -> str:
        return f"{self.cap:,}"

    @cached_property
    def num_pages(self) -> int:
        if self.count_capped:  # the pages of the first `cap` rows only
            return -(-self.cap // self.per_page)
        return super().num_pages


class FixedChoicesFilter(admin.SimpleListFilter):
    """A filter on a text column whose values are known in advance: its choices are
    listed, not read with a SELECT DISTINCT over the whole table (Django's filter for a
    field without choices). The parameter is Django's own (`field__exact`)."""

    field = ""
    values: tuple[tuple[str, str], ...] = ()

    def lookups(self, request, model_admin):
        return list(self.values)

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


def fixed_choices(field: str, title: str, values) -> type[FixedChoicesFilter]:
    """A FixedChoicesFilter of `field` offering `values` (each a value or (value, label))."""
    choices = tuple(v if isinstance(v, tuple) else (v, v) for v in values)
    attributes = {"title": title, "parameter_name": f"{field}__exact", "field": field,
                  "values": choices}  # fmt: skip
    return type(f"{field.title().replace('_', '')}Filter", (FixedChoicesFilter,), attributes)


class DistrictFilter(admin.SimpleListFilter):
    """Vendor support's lists span districts: same-named people of two districts."""

    title = "district"
    parameter_name = "district"

    def lookups(self, request, model_admin):
        if request_district_access(request).readable is not None:
            return []  # members see their own districts only
        return [(str(pk), name) for pk, name in District.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(district_id=int(value)) if value and value.isdigit() else queryset
