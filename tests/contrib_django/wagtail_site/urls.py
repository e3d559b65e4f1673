from django.urls import include, path

from tests.contrib_django.urls import urlpatterns as module_urls

from .settings import WAGTAIL_INSTALLED

urlpatterns = list(module_urls)
if WAGTAIL_INSTALLED:
    from wagtail import urls as wagtail_urls
    from wagtail.admin import urls as wagtailadmin_urls

    urlpatterns += [
        path("cms/", include(wagtailadmin_urls)),
        path("", include(wagtail_urls)),
    ]
