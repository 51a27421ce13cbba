"""What both services stand on.

The province node (:mod:`province_nodes`) and the receiving agency's service
(:mod:`verifier.service`) are two FastAPI apps with their own tables, routes and error trees; what
they share is made here once, so both answer and store alike:

- :mod:`service_base.sqlstore`: the SQL engine, the Alembic migrations runner and the unit of work;
- :mod:`service_base.exceptions`: :class:`ServiceError`, the root of both services' error trees;
- :mod:`service_base.problems`: the problem body every error is answered with, the handlers that
  answer it, and the OpenAPI declarations of a route's error responses;
- :mod:`service_base.body_guard`: the middleware every request body passes before anything parses
  it: a valid credential first, then the size limit and a bounded JSON shape;
- :mod:`service_base.path_guard`: the middleware in front of it, which refuses a path with an
  encoded slash and a method the path does not offer (with the ``Allow`` the schema declares);
- :mod:`service_base.durations`: durations as their command lines take them (``90d``).
"""

from service_base.body_guard import (
    BodyGuard,
    BodyRule,
    CredentialCheck,
    body_error,
    guarded_caller,
    too_large,
)
from service_base.durations import LONGEST_DURATION, parse_duration
from service_base.exceptions import (
    MethodNotAllowedError,
    RequestBodyError,
    RequestBodyTooLargeError,
    RequestPathError,
    ServiceError,
)
from service_base.path_guard import PathGuard, allowed_methods
from service_base.problems import (
    RETRY_AFTER_SECONDS,
    Problem,
    install_error_handlers,
    problem_body,
    problem_response,
    responses,
)
from service_base.sqlstore import (
    alembic_config,
    driver_reason,
    make_engine,
    run_migrations,
    unit_of_work,
)

__all__ = [
    "LONGEST_DURATION",
    "RETRY_AFTER_SECONDS",
    "BodyGuard",
    "BodyRule",
    "CredentialCheck",
    "MethodNotAllowedError",
    "PathGuard",
    "Problem",
    "RequestBodyError",
    "RequestBodyTooLargeError",
    "RequestPathError",
    "ServiceError",
    "alembic_config",
    "allowed_methods",
    "body_error",
    "driver_reason",
    "guarded_caller",
    "install_error_handlers",
    "make_engine",
    "parse_duration",
    "problem_body",
    "problem_response",
    "responses",
    "run_migrations",
    "too_large",
    "unit_of_work",
]
