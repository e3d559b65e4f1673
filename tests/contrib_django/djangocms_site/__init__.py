"""A django CMS site for the django CMS adapter's tests (selzy.contrib.djangocms): its own
settings, run in a pass of its own (``make unit``):

    pytest tests/contrib_django/djangocms_site --ds=tests.contrib_django.djangocms_site.settings
"""
