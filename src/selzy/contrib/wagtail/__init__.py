"""Wagtail and Selzy: form pages that also subscribe (:mod:`selzy.contrib.wagtail.forms`) and a
campaign backend for wagtail-newsletter (:mod:`selzy.contrib.wagtail.newsletter`).

Needs Wagtail 7 or 8 and wagtail-newsletter 0.2 (``pip install "selzy-connect[wagtail]"``) and
``selzy.contrib.django`` in INSTALLED_APPS; this package has no app of its own to install.
"""
