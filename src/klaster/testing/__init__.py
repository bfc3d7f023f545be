"""Test helpers for klaster users and plugin authors: hypothesis strategies for every model."""
