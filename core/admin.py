"""What the Django admin may do with records (ADR 0010).

The admin is for configuration. Records that the workflow governs (R1, R2: accounts,
officers, rules, policies, requests, decisions) change only through a request approved by
the department head and the PR division, and records kept as evidence (known
impersonations, citizens' reports, the login audit) are retired with a state, never deleted.
In the admin both kinds are view-only, for the superuser too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError

if TYPE_CHECKING:
    # The mixins below go in front of a ModelAdmin or an inline (of any model): type-checked
    # as one. At run time they are plain classes.
    from django.contrib.admin.options import BaseModelAdmin

    _AdminBase = BaseModelAdmin[Any]
else:
    _AdminBase = object


class HistoryReadOnlyMixin(_AdminBase):
    """django-simple-history's page for a past version saves whatever is POSTed to it, whatever
    the permissions and SIMPLE_HISTORY_REVERT_DISABLED say: history is for reading."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        # django-simple-history's SimpleHistoryAdmin (next in the MRO) has no type information.
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context
        )


class ViewOnlyAdminMixin(HistoryReadOnlyMixin):
    """No add, change or delete — so no "delete selected" action and no save buttons."""

    def get_readonly_fields(self, request, obj=None):
        names = [*super().get_readonly_fields(request, obj)]
        names += [f.name for f in self.model._meta.concrete_fields if f.name not in names]
        return names

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LargeTableMixin(_AdminBase):
    """Issue 12 §4: the changelist of a table that grows with the registry (accounts and
    their policies at 100 000 accounts, requests, decisions, reviews, mail). No second COUNT
    of the whole table for "全N件" (the filtered count the pages need stays), and newest
    first from the primary key instead of sorting every row by a model's ``ordering``
    (242 ms for the policies at 100 000 accounts). No ``date_hierarchy`` either: it reads
    the dates of every row shown."""

    show_full_result_count = False
    ordering = ("-pk",)


class ViewOnlyInlineMixin(ViewOnlyAdminMixin):
    can_delete = False
    extra = 0


# --- The login audit (django-axes) ----------------------------------------------------------
# Lockouts end by themselves after AXES_COOLOFF_HOURS; nobody erases the record of them.


class ViewOnlyAccessAttemptAdmin(ViewOnlyAdminMixin, AccessAttemptAdmin):
    actions: list[str] = []  # "clean up expired attempts" deletes rows


class ViewOnlyAccessLogAdmin(ViewOnlyAdminMixin, AccessLogAdmin):
    pass


class ViewOnlyAccessFailureLogAdmin(ViewOnlyAdminMixin, AccessFailureLogAdmin):
    pass


for _model, _admin in (
    (AccessAttempt, ViewOnlyAccessAttemptAdmin),
    (AccessLog, ViewOnlyAccessLogAdmin),
    (AccessFailureLog, ViewOnlyAccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)


# --- Autocomplete fields that survive a hand-edited URL -------------------------------------


class _SafeAutocompleteSelect(AutocompleteSelect):
    """Django's widget turns the selected value into a query as it is: "?department=abc"
    (or a POST with it) is a ValueError → 500. A value that is no key is simply not shown."""

    def optgroups(self, name, value, attr=None):
        key = self.field.remote_field.model._meta.get_field(self.field.remote_field.field_name)
        valid = []
        for item in value:
            try:
                key.to_python(item)
            except ValidationError:
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class SafeAutocompleteMixin(_AdminBase):
    """Use in any ModelAdmin with ``autocomplete_fields``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
