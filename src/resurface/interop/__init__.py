"""Exchange with other systems: the FHIR R4 export of a chart, iCalendar files of appointments and
CSV exports. Nothing is built here yet (no issue has asked for it); the package holds the place in
the layering (an edge beside ``storage`` and ``reports``) so that the import contracts already
cover it."""
