"""The appointment book's use cases: the clinic's set-up (``setup``), booking, moving, resizing,
cancelling and marking appointments (``book``), the day and week views (``views``), and booking
from a treatment plan (``plan_booking``)."""
