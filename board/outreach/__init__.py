"""Around the board: the meeting deck (PPTX) and reminder e-mails (``notify``).

The outcome letter lives with the report (:mod:`board.reports.letter`), the calendar
invitation with the meetings (:mod:`board.meetings.calendar`).
"""
