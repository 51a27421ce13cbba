"""The receiving agency's web service: verify files and run cross-province requests."""

from verifier.service.app import create_app
from verifier.service.models import Outcome, RequestCreate, RequestPublic
from verifier.service.settings import AgencySettings, hash_token

__all__ = [
    "AgencySettings",
    "Outcome",
    "RequestCreate",
    "RequestPublic",
    "create_app",
    "hash_token",
]
