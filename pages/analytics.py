"""Board analytics: timeliness, completeness, adherence, pain response and survival."""

from board.ui import context
from board.ui.analytics import render_analytics

render_analytics(context.database(), context.require_actor())
