"""Telling subscribers: which updates are news, and delivering them to the configured channels."""
