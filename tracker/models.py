"""Imports every model so that metadata (and so Alembic) sees the whole schema."""
from tracker.care.models import (  # noqa: F401
    FollowUp,
    QuestionnaireAnswer,
    QuestionnaireAssignment,
    QuestionnaireResponse,
)
from tracker.continuity.rollup_models import (  # noqa: F401
    ContinuityItem,
    ContinuityRollup,
    continuity_day,
    continuity_month,
)
from tracker.core.audit.models import AuditChainHead, AuditEvent  # noqa: F401
from tracker.core.clinic import Clinic  # noqa: F401
from tracker.core.flags import SafetyFlag  # noqa: F401
from tracker.core.notices import StaffNotice  # noqa: F401
from tracker.core.outbox import Message  # noqa: F401
from tracker.core.patients import CareTeamMember, Patient, StatusChange, TreatmentCourse  # noqa: F401
from tracker.core.reminders import ReminderPreference  # noqa: F401
from tracker.core.sessions import DosingSession  # noqa: F401
from tracker.core.signing.models import Addendum  # noqa: F401
from tracker.core.users import OneTimeLink, RecoveryCode, User  # noqa: F401
from tracker.dosing.models import AdverseEvent, Discharge, SedationRating, SessionNote, VitalSign  # noqa: F401
from tracker.dosing.rems import RemsForm  # noqa: F401
from tracker.integration.models import (  # noqa: F401
    Debrief,
    GoalProgress,
    IntegrationTask,
    Reflection,
    ReflectionRevision,
    TaskCompletion,
)
from tracker.intention.models import Goal, Intention, IntentionFocus  # noqa: F401
