"""Pure export builders: XMLTV guide, iCalendar feeds and operator playlists (data in, bytes out)."""
