"""How our clients' voice enters Huddle: the API, survey links, write-to-us, staff entry, CSV import."""
