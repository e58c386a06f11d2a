"""Exchange with other systems: iCalendar files of appointments (``icalendar_files``); the FHIR R4
export of a chart and CSV exports are still to come. An edge beside ``storage`` and ``reports``."""
