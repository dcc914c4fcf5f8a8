"""Admin pages: people and their roles."""
