from django.urls import include, path

from tests.contrib_django.urls import urlpatterns as module_urls

from .settings import CMS_INSTALLED

urlpatterns = list(module_urls)
if CMS_INSTALLED:
    urlpatterns += [
        # The namespace its templates reverse (its docs: "form_builder").
        path("@form-builder/", include("djangocms_form_builder.urls", namespace="form_builder")),
        path("", include("cms.urls")),
    ]
