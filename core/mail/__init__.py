"""E-mail to staff and clients, through an outbox (``core.outbox``), sent over SMTP by a job.

Core holds it because core itself mails (invitations, password resets) and every feature may;
the features call ``core.mail.outbox`` inside the transaction of the change that causes a message,
and the scheduler's ``outbox-dispatch`` job calls ``core.mail.delivery.dispatch``.
"""
