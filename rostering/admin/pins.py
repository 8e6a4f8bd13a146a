"""Pinned fields on the person and class pages: pin a value of your own (managers),
see it beside what the SIS says, unpin it (rostering/pins.py does the work)."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path

from audit.services import remote_addr_of
from rostering.models import FieldPin
from rostering.models.pins import PINNABLE
from rostering.pins import field_pin, field_unpin, pin_table

PINNED = "Pinned {field}: imports keep this value until you unpin it."
UNPINNED = "Unpinned {field}: the next import writes the SIS's value."


class PinForm(forms.Form):
    # The panel sits inside the (read-only) change form: its inputs belong to a form of
    # their own, outside it (templates/admin/rostering/pins_forms.html).
    field = forms.ChoiceField(label="Field", widget=forms.Select(attrs={"form": "pin-field"}))
    value = forms.CharField(
        label="Value", max_length=255, required=False,
        help_text="Grades: CEDS codes, comma separated (e.g. 05).",
        widget=forms.TextInput(attrs={"form": "pin-field", "size": 30}),
    )  # fmt: skip

    def __init__(self, *args, table: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(f, f.replace("_", " ")) for f in PINNABLE[table]]


class PinsAdminMixin:
    """Adds the pinned-fields panel (change_form's `pins`, `pin_form`) and its two POSTs."""

    def get_urls(self):
        view = self.admin_site.admin_view
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        return [
            path("<path:object_id>/pin/", view(self.pin_view), name=f"{prefix}_pin"),
            path("<path:object_id>/unpin/<int:pin_id>/", view(self.unpin_view),
                 name=f"{prefix}_unpin"),
            *super().get_urls(),
        ]  # fmt: skip

    def _pinnable(self, request, object_id):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if not self._access(request).can_manage(obj.district_id):
            raise PermissionDenied
        return obj, None

    def _back(self, obj):
        info = obj._meta.app_label, obj._meta.model_name
        return redirect(f"admin:{info[0]}_{info[1]}_change", obj.pk)

    def pin_view(self, request, object_id):
        obj, refused = self._pinnable(request, object_id)
        if refused:
            return refused
        form = PinForm(request.POST, table=pin_table(obj))
        if form.is_valid():
            field = form.cleaned_data["field"]
            try:
                field_pin(obj=obj, field=field, value=form.cleaned_data["value"],
                          actor=request.user, remote_addr=remote_addr_of(request))  # fmt: skip
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, PINNED.format(field=field.replace("_", " ")))
        return self._back(obj)

    def unpin_view(self, request, object_id, pin_id: int):
        obj, refused = self._pinnable(request, object_id)
        if refused:
            return refused
        pin = FieldPin.objects.filter(pk=pin_id, table=pin_table(obj), row_id=obj.pk).first()
        if pin is not None:
            field_unpin(pin=pin, actor=request.user, remote_addr=remote_addr_of(request))
            self.message_user(request, UNPINNED.format(field=pin.field.replace("_", " ")))
        return self._back(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        table = pin_table(obj)
        extra_context = {
            **(extra_context or {}),
            "pins": FieldPin.objects.filter(table=table, row_id=obj.pk),
            "pin_form": PinForm(table=table),
            "can_pin": self._access(request).can_manage(obj.district_id),
            "pin_url": f"admin:{obj._meta.app_label}_{obj._meta.model_name}_pin",
            "unpin_url": f"admin:{obj._meta.app_label}_{obj._meta.model_name}_unpin",
        }
        return super().change_view(request, object_id, form_url, extra_context)
