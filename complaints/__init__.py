"""Our clients' voice: ratings, complaints, contacts, playbooks, wishes and reviews."""
