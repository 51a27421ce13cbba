"""Alembic migrations of the agency's store; the service runs ``upgrade head`` at start."""
