"""iCalendar (RFC 5545) files of appointments, written with the ``icalendar`` library: each
event in the clinic's time zone (with its VTIMEZONE), a stable UID and a SEQUENCE that grows with
every change, and STATUS:CANCELLED for a cancelled appointment so subscribed calendars drop it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar

from resurface.services.scheduling.feeds import Calendar

PRODUCT = "-//Resurface//Appointment book//EN"


def ics(calendar: Calendar, *, now: dt.datetime) -> bytes:
    zone: dt.tzinfo = ZoneInfo(calendar.zone) if calendar.zone not in ("UTC", "") else dt.UTC
    out = icalendar.Calendar()
    out.add("prodid", PRODUCT)
    out.add("version", "2.0")
    out.add("calscale", "GREGORIAN")
    out.add("x-wr-calname", calendar.name)
    out.add("x-wr-timezone", calendar.zone or "UTC")
    for item in calendar.events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", item.starts_at.astimezone(zone))
        event.add("dtend", item.ends_at.astimezone(zone))
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        out.add_component(event)
    out.add_missing_timezones()
    return bytes(out.to_ical())
