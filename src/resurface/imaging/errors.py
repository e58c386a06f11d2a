"""Errors raised by photo analysis.

ImagingError
├── NotAnImage        the bytes are not a photo we can decode (or are truncated)
├── ImageTooLarge     a decompression bomb, refused before decoding
├── NoFaceFound       a face photo in which the face mesh found no face
└── EmptyRegion       a region with no skin pixels left to measure
"""

from __future__ import annotations


class ImagingError(Exception):
    """Base of every error raised by ``resurface.imaging``."""


class NotAnImage(ImagingError):
    pass


class ImageTooLarge(ImagingError):
    pass


class NoFaceFound(ImagingError):
    pass


class EmptyRegion(ImagingError):
    pass
