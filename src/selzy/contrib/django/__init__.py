"""The Selzy module for Django: the integration guidelines' whole flow in the admin.

Install: ``pip install selzy-connect[django]``, add ``"selzy.contrib.django"`` to
INSTALLED_APPS and a ``SELZY = {"PLATFORM": "MySite"}`` dict to the settings; see
:mod:`selzy.contrib.django.conf` for every setting.
"""
