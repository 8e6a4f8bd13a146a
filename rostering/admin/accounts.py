"""Django's own user and group pages (vendor support's), with the lists' value checks."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User

from rostering.admin.base import ListValuesChecked

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(ListValuesChecked, auth_admin.UserAdmin):
    pass


@admin.register(Group)
class GroupAdmin(ListValuesChecked, auth_admin.GroupAdmin):
    pass
