"""Shared pytest fixtures for real services: an SMTP sink, Celery workers. Registered in conftest.py."""
