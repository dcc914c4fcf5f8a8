"""Slack: the outbox, message building, delivery, and the endpoints Slack calls."""
