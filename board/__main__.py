"""``python -m board``: the command line."""

from board.cli import main

raise SystemExit(main())
