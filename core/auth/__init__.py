"""Logging in and out, and accepting an invitation."""
