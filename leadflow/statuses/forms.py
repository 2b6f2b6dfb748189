"""Forms for the status, CRM mapping and workflow pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from leadflow.core.conditions import FEEDBACK_FIELDS
from leadflow.statuses.exclusion import MAX_EXCLUDE_DAY, ExcludeMode
from leadflow.statuses.models import (
    LeadStatus,
    StatusApiMapping,
    StatusTransition,
    required_fields_problem,
)
from leadflow.statuses.workflow import CellError, TransitionSpec
from leadflow.tenants.models import Tenant
from leadflow.ui.conditions import ConditionField

WITHOUT_MAPPING = "[Without Mapping]"

# Preset swatches shown next to the colour input (the input itself allows any colour).
PALETTE: list[tuple[str, str]] = [
    ("#1e88e5", "Blue"), ("#00897b", "Teal"), ("#43a047", "Green"), ("#ffb300", "Amber"),
    ("#fb8c00", "Orange"), ("#e53935", "Red"), ("#8e24aa", "Purple"), ("#5e35b1", "Indigo"),
    ("#8d6e63", "Brown"), ("#90a4ae", "Grey"), ("#212121", "Black"),
]


def make_required_fields_field() -> forms.Field:
    """The "Required fields on feedback submission" field: the condition builder over the
    feedback form's fields. It cleans to a condition tree (a dict; {} = nothing required);
    ``StatusForm.clean_required_fields`` adds the status-specific checks."""
    return ConditionField(
        registry=FEEDBACK_FIELDS, required=False,
        label="Required fields on feedback submission",
        help_text=("Conditions the agent's feedback form must meet, e.g. call_after is not "
                   "empty. A logical contradiction makes this a system status that agents "
                   "can't choose."),
    )


class StatusForm(forms.ModelForm):
    required_fields = make_required_fields_field()

    class Meta:
        model = LeadStatus
        fields = [
            "name", "description", "max_call_after_days", "color", "api_mapping",
            "required_fields", "affects_permanent_assignment", "allow_call_after",
            "is_dialable", "is_do_not_call", "is_final", "is_default_for_new_leads",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "color": forms.TextInput(attrs={"type": "color", "class": "colour-input"}),
        }
        labels = {
            "max_call_after_days": "Max Call After Days (0 - unlimited)",
            "color": "Color",
            "api_mapping": "API mapping for status",
            "affects_permanent_assignment": "Status Affects Permanent Assignment (Assigned Limit)",
            "allow_call_after": "Allow to select call after time?",
            "is_dialable": "Dialable (leads in this status are called)",
            "is_do_not_call": "Do not call (choosing it adds the number to the DNC list)",
            "is_final": "Final",
            "is_default_for_new_leads": "Default status for new leads",
        }
        help_texts = {
            "name": "Status name that the agent will see.",
            "description": "Visible when editing the status.",
            "max_call_after_days": "How many days ahead an agent may set a callback time.",
            "affects_permanent_assignment": (
                "Choosing it assigns the lead to the agent, up to the campaign's Assigned Limit."),
        }

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mapping_field = cast(forms.ModelChoiceField, self.fields["api_mapping"])
        mapping_field.queryset = StatusApiMapping.objects.filter(tenant=tenant)
        mapping_field.empty_label = WITHOUT_MAPPING
        campaign_id = self.instance.campaign_id
        if campaign_id:
            # The builder shows the campaign's status names for the feedback "status" field.
            statuses = LeadStatus.objects.filter(campaign_id=campaign_id).order_by("position")
            cast(ConditionField, self.fields["required_fields"]).choices = {
                "status": [(s.id, s.name) for s in statuses]}
        if self.instance.pk and self.instance.is_default_for_new_leads:
            self.fields["is_default_for_new_leads"].disabled = True
            self.fields["is_default_for_new_leads"].help_text = (
                "To change it, make another status the default.")

    def clean_required_fields(self) -> dict[str, Any]:
        tree = self.cleaned_data.get("required_fields")
        if tree is None or tree == "":
            return {}
        problem = required_fields_problem(tree)
        if problem:
            raise ValidationError(problem)
        return cast(dict[str, Any], tree)

    def service_fields(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields
                if name != "api_mapping"}
        mapping = self.cleaned_data.get("api_mapping")
        data["api_mapping_id"] = mapping.id if mapping else None
        return data


class StatusDeleteForm(forms.Form):
    """Where the leads of a deleted status go, and which status becomes the default."""

    move_leads_to = forms.TypedChoiceField(coerce=int, required=False,
                                           label="Move its leads to")
    new_default_status_id = forms.TypedChoiceField(coerce=int, required=False,
                                                   label="New default status for new leads")

    def __init__(self, *args: Any, others: Iterable[LeadStatus], lead_count: int,
                 is_default: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— choose a status —")] + [(str(s.id), s.name) for s in others]
        move = cast(forms.TypedChoiceField, self.fields["move_leads_to"])
        default = cast(forms.TypedChoiceField, self.fields["new_default_status_id"])
        move.choices = choices
        default.choices = choices
        move.empty_value = default.empty_value = None
        if not lead_count:
            del self.fields["move_leads_to"]
        if not is_default:
            del self.fields["new_default_status_id"]


class ApiMappingForm(forms.ModelForm):
    class Meta:
        model = StatusApiMapping
        fields = ["code", "description"]
        help_texts = {"code": "The CRM's status code, unique in the tenant (any case)."}


class StatusMappingForm(forms.Form):
    """The Edit of the *Lead Statuses API Mapping* page: choose the status's mapping."""

    api_mapping = forms.ModelChoiceField(queryset=StatusApiMapping.objects.none(),
                                         required=False, label="API mapping for status",
                                         empty_label=WITHOUT_MAPPING)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_ = cast(forms.ModelChoiceField, self.fields["api_mapping"])
        field_.queryset = StatusApiMapping.objects.filter(tenant=tenant)


# --- the workflow matrix ------------------------------------------------------------------

MODE_CHOICES: list[tuple[str, str]] = [
    (ExcludeMode.WHEN_NON_PERMANENT.value, ExcludeMode.WHEN_NON_PERMANENT.label),
    (ExcludeMode.WHEN_PERMANENT.value, ExcludeMode.WHEN_PERMANENT.label),
    (ExcludeMode.IGNORE.value, ExcludeMode.IGNORE.label),
]


@dataclass
class Cell:
    """One cell of the matrix as shown: ticked?, the raw day texts, the mode, errors."""

    from_status: LeadStatus
    to_status: LeadStatus
    allowed: bool = False
    from_day: str = ""
    to_day: str = ""
    mode: str = ExcludeMode.IGNORE.value
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.from_status.id}_{self.to_status.id}"

    @property
    def has_range(self) -> bool:
        return bool(self.from_day or self.to_day)

    @property
    def badge(self) -> str:
        """The range in short, shown next to the "+" while it is folded: ``30–3650 P``."""
        if not self.has_range:
            return ""
        short = {ExcludeMode.WHEN_PERMANENT.value: " P",
                 ExcludeMode.WHEN_NON_PERMANENT.value: " NP"}
        return f"{self.from_day or '?'}–{self.to_day or '?'}{short.get(self.mode, '')}"


@dataclass
class Row:
    status: LeadStatus
    cells: list[Cell]


def _parse_day(raw: str) -> tuple[int | None, str | None]:
    text = raw.strip()
    if not text:
        return None, None
    try:
        return int(text), None
    except ValueError:
        return None, f"“{text}” is not a whole number of days."


class WorkflowGridForm:
    """The matrix: built from the saved cells (GET) or from the posted fields (POST).

    Posted field names per cell ``<from id>_<to id>``: ``allow_<key>`` (checkbox),
    ``from_<key>`` and ``to_<key>`` (days), ``mode_<key>``. Only the campaign's own
    statuses are read, so nothing else in the post can reach the service. Days of an
    unticked cell are kept on the page but not saved (there is nothing to exclude).
    """

    def __init__(self, *, statuses: Sequence[LeadStatus],
                 transitions: Iterable[StatusTransition] = (),
                 data: Mapping[str, Any] | None = None) -> None:
        self.statuses = list(statuses)
        saved = {(t.from_status_id, t.to_status_id): t for t in transitions}
        self.rows: list[Row] = []
        for from_status in self.statuses:
            cells = []
            for to_status in self.statuses:
                cell = Cell(from_status=from_status, to_status=to_status)
                if data is not None:
                    cell.allowed = f"allow_{cell.key}" in data
                    cell.from_day = str(data.get(f"from_{cell.key}", "")).strip()
                    cell.to_day = str(data.get(f"to_{cell.key}", "")).strip()
                    cell.mode = str(data.get(f"mode_{cell.key}") or ExcludeMode.IGNORE.value)
                elif (t := saved.get((from_status.id, to_status.id))) is not None:
                    cell.allowed = True
                    cell.from_day = "" if t.exclude_from_day is None else str(t.exclude_from_day)
                    cell.to_day = "" if t.exclude_to_day is None else str(t.exclude_to_day)
                    cell.mode = t.exclude_mode
                cells.append(cell)
            self.rows.append(Row(status=from_status, cells=cells))
        self.specs: list[TransitionSpec] = []
        self._spec_cells: list[Cell] = []
        self._parsed = False

    @property
    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row.cells]

    @property
    def has_errors(self) -> bool:
        return any(cell.errors for cell in self.cells)

    def is_valid(self) -> bool:
        """Parse the ticked cells into specs; typing errors (not a number, unknown mode)
        are marked on their cells. Range rules are the service's (``workflow_check``)."""
        if not self._parsed:
            self._parsed = True
            for cell in self.cells:
                if not cell.allowed:
                    continue
                low, low_error = _parse_day(cell.from_day)
                high, high_error = _parse_day(cell.to_day)
                cell.errors += [e for e in (low_error, high_error) if e]
                if cell.mode not in ExcludeMode.values:
                    cell.errors.append("Choose a mode from the list.")
                if cell.errors:
                    continue
                self.specs.append(TransitionSpec(
                    from_status_id=cell.from_status.id, to_status_id=cell.to_status.id,
                    exclude_from_day=low, exclude_to_day=high, exclude_mode=cell.mode))
                self._spec_cells.append(cell)
        return not self.has_errors

    def add_cell_errors(self, errors: Iterable[CellError]) -> None:
        """Put the service's errors on the cells they name (by entry index)."""
        for error in errors:
            self._spec_cells[error.index].errors.append(error.message)

    @property
    def mode_choices(self) -> list[tuple[str, str]]:
        return MODE_CHOICES

    @property
    def max_day(self) -> int:
        return MAX_EXCLUDE_DAY
