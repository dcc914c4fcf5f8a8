"""The "Today" page everyone lands on."""
