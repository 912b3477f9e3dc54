"""The preferences page's form: for each kind of event, the outside channels and the digest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OUTSIDE_CHANNELS, EventKind


def _prefix(kind: str) -> str:
    return "all" if kind == EventKind.ALL else kind


class PreferencesForm(forms.Form):
    """Fields ``<kind>_channels`` and ``<kind>_digest`` per kind, and ``<kind>_custom`` for the
    kinds that may instead follow the "all events" setting."""

    def __init__(self, *args: Any, current: list[dict[str, Any]], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.groups: list[dict[str, Any]] = []
        for row in current:
            kind, p = row["event_kind"], _prefix(row["event_kind"])
            names = {}
            if kind != EventKind.ALL:
                self.fields[f"{p}_custom"] = forms.BooleanField(
                    label=_("单独设置此类事项（否则沿用“全部事项”的设置）"), required=False, initial=row["custom"]
                )
                names["custom"] = f"{p}_custom"
            self.fields[f"{p}_channels"] = forms.MultipleChoiceField(
                label=_("除站内消息外，还通过"),
                choices=[(c.value, c.label) for c in OUTSIDE_CHANNELS],
                widget=forms.CheckboxSelectMultiple,
                required=False,
                initial=[c for c in row["channels"] if c != "in_app"],
            )
            self.fields[f"{p}_digest"] = forms.BooleanField(
                label=_("每天 18:00 汇总发送一次，而不是逐条发送"), required=False, initial=row["digest"]
            )
            names.update(channels=f"{p}_channels", digest=f"{p}_digest")
            self.groups.append({"kind": kind, "label": row["label"], "fields": [self[n] for n in names.values()]})

    def rows(self) -> list[dict[str, Any]]:
        """The preferences to save, in the shape ``preferences_set`` takes."""
        out = []
        for kind in EventKind:
            p = _prefix(kind)
            if kind != EventKind.ALL and not self.cleaned_data.get(f"{p}_custom"):
                continue
            out.append(
                {
                    "event_kind": kind.value,
                    "channels": self.cleaned_data.get(f"{p}_channels") or [],
                    "digest": bool(self.cleaned_data.get(f"{p}_digest")),
                }
            )
        return out
