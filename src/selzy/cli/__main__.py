"""``python -m selzy.cli``: the same as the ``selzy`` command."""

from ._main import main

main()
