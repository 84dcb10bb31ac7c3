from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin import SafeAutocompleteMixin
from organization.models import Department, User


class DepartmentListFilter(admin.RelatedFieldListFilter):
    """The department filter of a changelist, its choices named by ``full_name`` in one query:
    Django's own asks the parents of every unit one by one (20 queries per page)."""

    def field_choices(self, field, request, model_admin):
        units = Department.objects.select_related("parent__parent")
        return [(d.pk, d.full_name) for d in units]


class ChildInline(admin.TabularInline):
    model = Department
    fk_name = "parent"
    extra = 0
    fields = ("name", "kind", "code", "is_pr_division", "sort_order")
    show_change_link = True


@admin.register(Department)
class DepartmentAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("full_name", "kind", "code", "is_pr_division", "sort_order")
    list_filter = ("kind", "is_pr_division")
    search_fields = ("name", "code", "parent__name")
    list_select_related = ("parent__parent",)
    autocomplete_fields = ("parent",)
    inlines = [ChildInline]

    @admin.display(description=_("名称（上位組織から）"), ordering="name")
    def full_name(self, obj: Department) -> str:
        return obj.full_name


@admin.register(User)
class UserAdmin(SafeAutocompleteMixin, DjangoUserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "department", "is_active")
    list_filter = ("role", "is_active", "department__kind", ("department", DepartmentListFilter))
    search_fields = (
        "username",
        "last_name",
        "first_name",
        "email",
        "staff_number",
        "department__name",
    )
    list_select_related = ("department__parent__parent",)
    autocomplete_fields = ("department",)
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),  # Optional in the stubs; Django always sets it
        (_("所属と役割"), {"fields": ("department", "title", "role", "staff_number")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("所属と役割"),
            {"fields": ("last_name", "first_name", "email", "department", "title", "role")},
        ),
    )
