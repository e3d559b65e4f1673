"""The demo's URLs: the admin (where the Selzy screens live), the module's public URLs (what
Selzy's servers call: the webhook, segment files), and / sends you to the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Demo CRM"
admin.site.site_title = "Demo CRM"
admin.site.index_title = "Leads and the Selzy module"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("selzy/", include("selzy.contrib.django.urls")),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
