"""Imports every model so that metadata (and so Alembic) sees the whole schema."""
from tracker.audit.models import AuditChainHead, AuditEvent  # noqa: F401
from tracker.auth.models import OneTimeLink, User  # noqa: F401
from tracker.care.models import (  # noqa: F401
    FollowUp, QuestionnaireAnswer, QuestionnaireAssignment, QuestionnaireResponse, SafetyFlag)
from tracker.clinic.models import Clinic  # noqa: F401
from tracker.dosing.models import (  # noqa: F401
    AdverseEvent, Discharge, DosingSession, SedationRating, SessionNote, VitalSign)
from tracker.integration.models import (  # noqa: F401
    Debrief, GoalProgress, IntegrationTask, Reflection, ReflectionRevision, TaskCompletion)
from tracker.intention.models import Goal, Intention, IntentionFocus  # noqa: F401
from tracker.patients.models import CareTeamMember, Patient, StatusChange, TreatmentCourse  # noqa: F401
from tracker.signing.models import Addendum  # noqa: F401
