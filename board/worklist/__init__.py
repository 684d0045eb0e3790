"""The worklist: the board's cases, what each still needs, filters and the CSV export."""
