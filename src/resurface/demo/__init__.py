"""The fictional demo clinics, played through the services like any other edge."""
