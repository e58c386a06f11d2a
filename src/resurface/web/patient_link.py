"""What the patient's page and the patient's API share: the headers every patient response
carries. The limits on patient links are the services'
(:mod:`resurface.services.recovery.link_limits`), counted in the database; an urgent alert's
e-mail is sent by a background job (``services.recovery.outbox.deliver_message``)."""

from __future__ import annotations

PATIENT_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}
