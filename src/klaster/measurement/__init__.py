"""Measurement: survey rounds, observations, indicators, poverty and welfare, readiness."""
