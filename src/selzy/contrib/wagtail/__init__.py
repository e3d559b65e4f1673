"""Wagtail's form pages that also subscribe: :mod:`selzy.contrib.wagtail.forms`.

Needs Wagtail 7 or 8 (``pip install "selzy-connect[wagtail]"``) and ``selzy.contrib.django`` in
INSTALLED_APPS; this package has no app of its own to install.
"""
