"""The JSON API's shapes, one module per router of the same name (``schemas/patients.py`` for
``api/patients.py``); ``common`` holds what they share. Separate from domain objects and tables:
this is the public contract."""
