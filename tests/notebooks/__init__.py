"""Notebooks executed by nbclient in a real kernel."""
