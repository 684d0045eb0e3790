"""The presenter's discussion clock, ticking in the browser.

A server-side clock (an ``st.fragment(run_every=1)``) costs a script run per second for
every open presenter and marks the page busy while it runs. This clock is a small
Streamlit component (``st.components.v2``): the server sends the seconds counted so far
and, while the timer runs, when it started; the browser adds the time since then every
second. It shows digits only (``textContent``), never HTML from data.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

_HTML = '<div class="tb-clock" role="timer" aria-label="Discussion time"></div>'

_CSS = """
.tb-clock { font-size: 2.4rem; font-weight: 700; font-variant-numeric: tabular-nums;
  color: var(--st-text-color, #1f2430); line-height: 1.2; white-space: nowrap; }
.tb-clock.paused { opacity: 0.8; }
"""

# The start time is sent as the server's clock; the browser corrects for its own offset
# from the server, so a wrong clock on the projector laptop does not change the count.
_JS = """
export default function (component) {
  const { data, parentElement } = component;
  const el = parentElement.querySelector('.tb-clock');
  if (!el) { return; }
  if (el.__tbTimer) { clearInterval(el.__tbTimer); el.__tbTimer = null; }
  const pad = (n) => String(n).padStart(2, '0');
  const fmt = (total) => {
    total = Math.max(0, Math.floor(total));
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  };
  const base = Number(data && data.seconds) || 0;
  const started = data && data.startedMs != null ? Number(data.startedMs) : null;
  const offset = Date.now() - (Number(data && data.serverNowMs) || Date.now());
  const draw = () => {
    const elapsed = started == null ? 0 : (Date.now() - offset - started) / 1000;
    el.textContent = fmt(base + Math.max(0, elapsed)) + (started == null ? ' (paused)' : '');
    el.classList.toggle('paused', started == null);
  };
  draw();
  if (started != null) { el.__tbTimer = setInterval(draw, 1000); }
  return () => { if (el.__tbTimer) { clearInterval(el.__tbTimer); el.__tbTimer = null; } };
}
"""

_component = st.components.v2.component("tumorboard.clock", html=_HTML, css=_CSS, js=_JS)


def _ms(value: dt.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return int(value.timestamp() * 1000)


def live_clock(seconds: int, started_at: dt.datetime | None, *, now: dt.datetime, key: str) -> None:
    """Show a discussion clock that ticks in the browser.

    Parameters
    ----------
    seconds:
        Discussion seconds counted before ``started_at`` (the stored total).
    started_at:
        When the running timer started (UTC), or ``None`` when it is paused.
    now:
        The server's current time (UTC): the browser corrects its own clock by it.
    key:
        Widget key; keep it stable for one agenda row so the clock is not remounted.
    """
    _component(
        data={
            "seconds": int(seconds),
            "startedMs": None if started_at is None else _ms(started_at),
            "serverNowMs": _ms(now),
        },
        key=key,
    )
