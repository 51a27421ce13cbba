"""Alembic migrations of the node store; the node runs ``upgrade head`` at start."""
