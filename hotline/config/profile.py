"""A province profile: the line's numbers, its calendar, its menu, queues and prompts.

A profile file lives in `config/profiles/<id>.yaml` and may `extends:` another profile, overriding
only what differs (mappings merge, lists replace). Loading validates every file and the
references between them, and every error names the file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from hotline.config.conversations import ConversationPolicy
from hotline.config.knowledge import KnowledgePolicy
from hotline.config.privacy import RetentionPolicy
from hotline.config.office import AnswerReviewPolicy, OfficePolicy
from hotline.config.menu import Menu
from hotline.config.outbound import (NUMBER_PROMPTS, SURVEY_PROMPTS, VIRTUAL_HOLD_PROMPTS, CallbackPolicy,
                                     OutboundPolicy, SurveyPolicy, VirtualHoldPolicy)
from hotline.config.prompts import PromptsFile
from hotline.config.queues import QueuesFile
from hotline.config.reports import StatutoryReport
from hotline.config.scorecard import Scorecard
from hotline.config.workflow import WorkflowFile
from hotline.config.yamlfile import load_model, read_yaml
from hotline.errors import ConfigError
from hotline.workhours import CalendarConfig

DIGITS = re.compile(r"^[0-9]+$")


class Numbers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = "1022"
    area_code: str = Field(..., description="without the leading 0, e.g. 277 for Đồng Tháp")
    country_code: str = "84"
    extra: list[str] = []  # other national numbers reaching the same centre, e.g. 0888247247

    @field_validator("service", "area_code", "country_code")
    @classmethod
    def _digits(cls, v: str) -> str:
        if not DIGITS.match(v):
            raise ValueError(f"{v!r} must be digits only")
        return v

    @field_validator("extra")
    @classmethod
    def _national(cls, v: list[str]) -> list[str]:
        for n in v:
            if not re.match(r"^0[0-9]{6,12}$", n):
                raise ValueError(f"{n!r}: give extra numbers in national form (0 + digits)")
        return v

    @property
    def national(self) -> str:
        """The line's number as dialled in Vietnam, e.g. 02771022."""
        return f"0{self.area_code}{self.service}"

    def dialled_forms(self) -> list[str]:
        """Every form the service number arrives in from a trunk: short, national, E.164."""
        cc, area, svc = self.country_code, self.area_code, self.service
        forms = [svc, self.national, f"{area}{svc}", f"{cc}{area}{svc}", f"+{cc}{area}{svc}"]
        for n in self.extra:
            forms += [n, f"{cc}{n[1:]}", f"+{cc}{n[1:]}"]
        return list(dict.fromkeys(forms))


class TransferPolicy(BaseModel):
    """Live transfers to agencies (Đồng Tháp Art. 9.1-9.3)."""

    model_config = ConfigDict(extra="forbid")

    ring_seconds: int = Field(20, ge=5, le=120)  # how long an agency phone rings before "no answer"
    # When the agency does not pick up: create the transfer slip at once (true), or let the
    # operator do it with one click (false).
    auto_slip: bool = False


class WeeklyReport(BaseModel):
    """A weekly report e-mailed to each agency's head (HCMC Art. 14): the previous week (Monday to
    Sunday, local time), sent on `weekday` at `time` local time."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    weekday: int = Field(0, ge=0, le=6)  # 0 = Monday
    time: str = Field("08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class TransferDocument(BaseModel):
    """The printed transfer document (Thanh Hóa Art. 12.4): the transfer to the handling unit as a
    print produced by the software, on the province's heading."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    issuer: str = Field("", max_length=200)  # "UBND TỈNH THANH HÓA"
    unit: str = Field("BỘ PHẬN TIẾP NHẬN PHẢN ÁNH, KIẾN NGHỊ", max_length=200)
    place: str = Field("", max_length=100)


class ResultLetter(BaseModel):
    """The result notice on the province's template (Quảng Ninh appendix II), printable by the
    agency for signature and seal, and by the citizen from the look-up page."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    issuer: str = Field("", max_length=200)  # the line above the agency's name: "UBND TỈNH QUẢNG NINH"
    place: str = Field("", max_length=100)  # before the date: "Quảng Ninh, ngày ..."
    copies_to: list[str] = []  # "Nơi nhận" after "Như trên"


# The levels of agencies (hotline.agencies.schemas.LEVELS names them). No district: the level was
# abolished on 1 July 2025 (migration 0034 moved the directory's district agencies).
AgencyLevel = Literal["province", "commune", "vertical", "public_service"]


class ProfileFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    extends: str | None = None
    numbers: Numbers
    calendar: CalendarConfig = CalendarConfig()
    menu: str  # path relative to the config folder
    queues: str
    prompts: str
    workflow: str  # the ticket workflow file (steps, deadlines, actions)
    prompt_overrides: dict[str, str] = {}  # e.g. a province's own greeting
    # Words and phrases that raise an alert to the supervisors when heard in a call's live captions
    # (fires, floods, landslides, drowning, emergencies, threats), matched without diacritics.
    alerts: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]] = []
    transfers: TransferPolicy = TransferPolicy()
    weekly_report: WeeklyReport = WeeklyReport()
    result_letter: ResultLetter = ResultLetter()
    transfer_document: TransferDocument = TransferDocument()
    outbound: OutboundPolicy = OutboundPolicy()
    callbacks: CallbackPolicy = CallbackPolicy()
    virtual_hold: VirtualHoldPolicy = VirtualHoldPolicy()
    survey: SurveyPolicy = SurveyPolicy()
    knowledge: KnowledgePolicy = KnowledgePolicy()
    conversations: ConversationPolicy = ConversationPolicy()
    office: OfficePolicy = OfficePolicy()
    statutory_reports: list[StatutoryReport] = []
    # Agency heads (leader accounts) follow the level-1 answers the operators gave in their fields
    # (Đồng Nai CV 1407 item 4: "cả kiến nghị cấp 1 do lĩnh vực ngành, địa phương phụ trách").
    level1_answers_to_heads: bool = False
    answer_review: AnswerReviewPolicy = AnswerReviewPolicy()
    # Agency levels whose accounts never see who reported a matter (name, phone, address,
    # e-mail), as on a confidential report: HCMC Art. 9.1 gives reporter data only to officials of
    # state agencies, not to infrastructure companies and other service providers.
    identity_hidden_from: list[AgencyLevel] = []
    # Staff roles that may read tickets marked state secret (supervisors and administrators by
    # default; operators only where the province's rules let them).
    state_secret_readers: list[Literal["operator", "supervisor", "admin"]] = ["supervisor", "admin"]
    # What the system keeps of a state-secret matter: all of it, readable only by those roles
    # (`restricted`), or only that it was received and referred (`minimal`: Thanh Hóa Art. 13.2,
    # handled under the secrecy regime and not entered in the system): no content, reporter,
    # result or files.
    state_secret_storage: Literal["restricted", "minimal"] = "restricted"
    retention: RetentionPolicy = RetentionPolicy()
    # The centre's scorecard for verifying calls (hotline/config/scorecard.py); none: no sample.
    scorecard: Scorecard | None = None


@dataclass
class Profile:
    id: str
    name: str
    numbers: Numbers
    calendar: CalendarConfig
    menu: Menu
    queues: QueuesFile
    prompts: PromptsFile
    menu_file: Path
    prompts_file: Path
    workflow: WorkflowFile
    transfers: TransferPolicy = dc_field(default_factory=TransferPolicy)
    weekly_report: WeeklyReport = dc_field(default_factory=WeeklyReport)
    result_letter: ResultLetter = dc_field(default_factory=ResultLetter)
    transfer_document: TransferDocument = dc_field(default_factory=TransferDocument)
    outbound: OutboundPolicy = dc_field(default_factory=OutboundPolicy)
    callbacks: CallbackPolicy = dc_field(default_factory=CallbackPolicy)
    virtual_hold: VirtualHoldPolicy = dc_field(default_factory=VirtualHoldPolicy)
    survey: SurveyPolicy = dc_field(default_factory=SurveyPolicy)
    knowledge: KnowledgePolicy = dc_field(default_factory=KnowledgePolicy)
    conversations: ConversationPolicy = dc_field(default_factory=ConversationPolicy)
    office: OfficePolicy = dc_field(default_factory=OfficePolicy)
    statutory_reports: list[StatutoryReport] = dc_field(default_factory=list)
    level1_answers_to_heads: bool = False
    answer_review: AnswerReviewPolicy = dc_field(default_factory=AnswerReviewPolicy)
    state_secret_readers: list[str] = dc_field(default_factory=lambda: ["supervisor", "admin"])
    identity_hidden_from: list[str] = dc_field(default_factory=list)
    state_secret_storage: str = "restricted"
    retention: RetentionPolicy = dc_field(default_factory=RetentionPolicy)
    alerts: list[str] = dc_field(default_factory=list)
    scorecard: Scorecard | None = None


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _profile_data(config_dir: Path, profile_id: str, seen: tuple[str, ...] = ()) -> dict:
    path = config_dir / "profiles" / f"{profile_id}.yaml"
    if profile_id in seen:
        raise ConfigError(f"{path}: field 'extends': cycle through {' -> '.join(seen)}")
    if not re.match(r"^[a-z0-9_]+$", profile_id) or not path.exists():
        known = sorted(p.stem for p in (config_dir / "profiles").glob("*.yaml"))
        raise ConfigError(f"{path}: no such profile {profile_id!r} (known: {', '.join(known)})")
    data = read_yaml(path)
    parent = data.get("extends")
    if parent:
        data = _merge(_profile_data(config_dir, parent, seen + (profile_id,)), data)
        data["extends"] = parent
    return data


def load_profile(config_dir: Path, profile_id: str, ticket_statuses: list[str] | None = None) -> Profile:
    """Load and cross-check a profile. `ticket_statuses` need a spoken prompt each."""
    path = config_dir / "profiles" / f"{profile_id}.yaml"
    pf = load_model(path, ProfileFile, _profile_data(config_dir, profile_id))
    menu_path = config_dir / pf.menu
    queues_path = config_dir / pf.queues
    prompts_path = config_dir / pf.prompts
    menu = load_model(menu_path, Menu)
    workflow_path = config_dir / pf.workflow
    workflow = load_model(workflow_path, WorkflowFile)
    queues = load_model(queues_path, QueuesFile)
    prompts = load_model(prompts_path, PromptsFile)
    prompts.prompts.update(menu.texts)
    prompts.prompts.update(pf.prompt_overrides)

    known_queues = queues.by_id()
    for field, qid in menu.queues().items():
        if qid not in known_queues:
            raise ConfigError(f"{menu_path}: field '{field}': no queue {qid!r} in {queues_path}")
    topics = {q.topic for q in queues.queues}
    by_topic = [(f"steps.{n}.deadline_by_topic", step.deadline_by_topic) for n, step in workflow.steps.items()]
    by_topic += [(f"actions.{n}.to_by_topic", a.to_by_topic) for n, a in workflow.actions.items()]
    by_topic += [(f"actions.{n}.topics", a.topics) for n, a in workflow.actions.items()]
    for field, named in by_topic:
        for topic in named:
            if topic not in topics:
                raise ConfigError(f"{workflow_path}: field '{field}': no topic {topic!r} in {queues_path}")
    needed = set(menu.prompts()) | {f"digit_{d}" for d in range(10)}
    if pf.virtual_hold.enabled:
        needed |= set(VIRTUAL_HOLD_PROMPTS) | set(NUMBER_PROMPTS)
        if pf.virtual_hold.key != "1" and "vhold_offer" not in pf.prompt_overrides:
            raise ConfigError(f"{path}: field 'virtual_hold.key': the offer prompt names key 1; give "
                              f"prompt_overrides.vhold_offer naming key {pf.virtual_hold.key!r}")
    if pf.survey.enabled:
        needed |= set(SURVEY_PROMPTS)
    if menu.looks_up("application_status"):  # the date results are due is said in words
        needed |= set(NUMBER_PROMPTS)
    needed |= {menu.ticket_lookup.status_prefix + s for s in ticket_statuses or []}
    for field, problem in menu.wording_errors(prompts.prompts)[:1]:
        raise ConfigError(f"{menu_path}: field '{field}': {problem}")
    for name in sorted(needed):
        if name not in prompts.prompts:
            raise ConfigError(f"{menu_path}: prompt {name!r} is used but has no text in {prompts_path}")
    return Profile(
        id=profile_id,
        name=pf.name,
        numbers=pf.numbers,
        calendar=pf.calendar,
        menu=menu,
        queues=queues,
        prompts=prompts,
        menu_file=menu_path,
        prompts_file=prompts_path,
        workflow=workflow,
        transfers=pf.transfers,
        weekly_report=pf.weekly_report,
        result_letter=pf.result_letter,
        transfer_document=pf.transfer_document,
        outbound=pf.outbound,
        callbacks=pf.callbacks,
        virtual_hold=pf.virtual_hold,
        survey=pf.survey,
        knowledge=pf.knowledge,
        conversations=pf.conversations,
        office=pf.office,
        statutory_reports=list(pf.statutory_reports),
        level1_answers_to_heads=pf.level1_answers_to_heads,
        answer_review=pf.answer_review,
        state_secret_readers=list(pf.state_secret_readers),
        identity_hidden_from=list(pf.identity_hidden_from),
        state_secret_storage=pf.state_secret_storage,
        retention=pf.retention,
        alerts=_alert_phrases(path, pf.alerts),
        scorecard=pf.scorecard,
    )


def _alert_phrases(path: Path, phrases: list[str]) -> list[str]:
    """The alert phrases, each with a letter and listed once."""
    seen: dict[str, str] = {}
    for i, phrase in enumerate(phrases):
        key = " ".join(phrase.lower().split())
        if not any(c.isalpha() for c in key):
            raise ConfigError(f"{path}: field 'alerts.{i}': {phrase!r} has no word")
        if key in seen:
            raise ConfigError(f"{path}: field 'alerts.{i}': {phrase!r} is the same as {seen[key]!r} without diacritics")
        seen[key] = phrase
    return list(phrases)


# Addresses that are placeholders, never a deployment's (RFC 2606/6761 reserved names).
_PLACEHOLDER_MAIL = re.compile(r"@(?:[^@\s]+\.)?(?:example|invalid|test|localhost)(?:\.[a-z]+)*$", re.I)


def deployment_problems(config_dir: Path, profile: Profile) -> list[str]:
    """What a profile still lacks to run for real, each naming its file and field: an office
    that a workflow step tells (`notify: [office]`, Đồng Tháp Art. 9.4) with neither phone nor
    e-mail, and report recipients at placeholder addresses. A demo or test installation accepts
    them (`hotline run --demo`, or `demo = true` in the settings)."""
    path = config_dir / "profiles" / f"{profile.id}.yaml"
    problems = []
    told = [name for name, step in profile.workflow.steps.items() if "office" in step.notify]
    told += [name for name, action in profile.workflow.actions.items() if "office" in action.notify]
    if told and not (profile.office.phone or profile.office.email):
        problems.append(f"{path}: field 'office.phone' / 'office.email': empty, but the workflow tells the office "
                        f"(steps or actions {', '.join(told)}): give the office's phone or e-mail")
    for i, report in enumerate(profile.statutory_reports):
        for j, r in enumerate(report.recipients):
            if _PLACEHOLDER_MAIL.search(r.email):
                problems.append(f"{path}: field 'statutory_reports.{i}.recipients.{j}.email': {r.email!r} is a "
                                f"placeholder address: give {r.name}'s real address")
    if profile.office.email and _PLACEHOLDER_MAIL.search(profile.office.email):
        problems.append(f"{path}: field 'office.email': {profile.office.email!r} is a placeholder address")
    return problems
