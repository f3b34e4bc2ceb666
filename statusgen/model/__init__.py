"""Typed values passed between the stages: content, state at a moment, SLA values, calendars."""
