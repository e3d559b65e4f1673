"""The admin screens of the guideline flow (wired in ``admin.py``)."""
