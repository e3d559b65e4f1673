"""The demo's URLs: the admin (where the Selzy screens live), and / sends you there."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Demo CRM"
admin.site.site_title = "Demo CRM"
admin.site.index_title = "Leads and the Selzy module"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
