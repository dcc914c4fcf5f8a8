"""Teams, schedules, stand-ups, agenda building, check-ins and action items."""
