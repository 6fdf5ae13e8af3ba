"""The route planner: the Belgian pathway as data, a founder's profile, a cited plan and a
pre-submission readiness report (Markdown and PDF)."""

from .model import CheckItem, Cited, Plan, PlanStep, Question, Readiness
from .pathway import Pathway, PathwayError, load_pathway
from .planner import make_plan
from .profile import Profile, ProfileError

__all__ = ["CheckItem", "Cited", "Pathway", "PathwayError", "Plan", "PlanStep", "Profile", "ProfileError",
           "Question", "Readiness", "load_pathway", "make_plan"]
