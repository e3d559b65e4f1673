"""A site that has not included the module's public URLconf (check selzy.W005)."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
