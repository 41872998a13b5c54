"""Dagster wiring: assets, resources, jobs, sensors and schedules. No business logic here."""
