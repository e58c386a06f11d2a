"""The follow-up after a session: the patient's recovery links and check-ins, the clinician's
recovery chart, alerts, reminders and the e-mail outbox."""
