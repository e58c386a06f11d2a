"""Resurface: self-hosted software for clinics that perform laser skin resurfacing."""

__version__ = "0.1.0"
