"""A deterministic analysis of spec-kit features: goals against tasks."""
