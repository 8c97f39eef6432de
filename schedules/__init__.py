"""Time at the job centre: sites and opening hours, holidays, caseworkers, free slots and bookings.

The dialogue uses what is exported here; nothing in this package imports ivr, routing
or speech.
"""

from .calendar import Day, holiday_name, site_day
from .config import (
    BERLIN,
    DEMO_FOLDER,
    Caseworker,
    Schedule,
    ScheduleConfigError,
    Site,
    Topic,
    load_schedule,
    schedule_for_config,
)
from .hours import HoursFacts, opening_facts
from .model import Slot, Wish
from .slots import book_first_free, caseworkers_for, find_slots, seed_demo
from .spoken import spoken_bring, spoken_code, spoken_date, spoken_hours, spoken_time, spoken_when
from .store import (
    Booking,
    BookingNotFoundError,
    SlotTakenError,
    book,
    booking_by_token,
    booking_for_call,
    bookings_for_phone,
    cancel,
    find_booking,
    migrate,
    purge_personal_data,
    reschedule,
)

__all__ = [
    "BERLIN", "DEMO_FOLDER", "Booking", "BookingNotFoundError", "Caseworker", "Day",
    "HoursFacts", "Schedule", "ScheduleConfigError", "Site", "Slot", "SlotTakenError", "Topic",
    "Wish", "book", "book_first_free", "booking_by_token", "booking_for_call",
    "bookings_for_phone", "cancel", "caseworkers_for", "find_booking", "find_slots",
    "holiday_name", "load_schedule", "migrate", "opening_facts", "purge_personal_data",
    "reschedule", "schedule_for_config", "seed_demo", "site_day", "spoken_bring",
    "spoken_code", "spoken_date", "spoken_hours", "spoken_time", "spoken_when",
]
