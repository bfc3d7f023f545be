"""Measurement: survey rounds, observations, indicators, poverty and welfare statistics, readiness."""
