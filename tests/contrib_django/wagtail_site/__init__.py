"""A Wagtail site for the Wagtail adapter's tests (selzy.contrib.wagtail): its own settings,
run in a pass of its own (``make unit``):

    pytest tests/contrib_django/wagtail_site --ds=tests.contrib_django.wagtail_site.settings
"""
